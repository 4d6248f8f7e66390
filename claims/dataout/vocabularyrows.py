"""The rows of the source and company downloads: each record's page and
fields, under the API's names."""

from claims.models import format_partial_date

SOURCE_COLUMNS = [
    "url",
    "key",
    "kind",
    "title",
    "authors",
    "publisher",
    "venue",
    "volume",
    "issue",
    "pages",
    "published",
    "doi",
    "link",
    "accessed",
    "language",
]


def source_row(source, base_url=""):
    """One source (authors prefetched) as a flat dict: its page, reference fields and authors."""
    return {
        "url": base_url + source.get_absolute_url(),
        "key": source.key,
        "kind": source.kind,
        "title": source.title,
        "authors": [str(author) for author in source.authors.all()],
        "publisher": source.publisher,
        "venue": source.venue,
        "volume": source.volume,
        "issue": source.issue,
        "pages": source.pages,
        "published": format_partial_date(source.published, source.published_precision),
        "doi": source.doi,
        "link": source.url,
        "accessed": source.accessed.isoformat() if source.accessed else "",
        "language": source.language,
    }


COMPANY_COLUMNS = ["url", "slug", "name", "aliases", "parent", "country", "wikidata_id", "description"]


def company_row(company, base_url=""):
    """One company (parent selected) as a flat dict."""
    return {
        "url": base_url + company.get_absolute_url(),
        "slug": company.slug,
        "name": company.name,
        "aliases": list(company.aliases),
        "parent": company.public_parent.slug if company.public_parent else "",
        "country": company.country,
        "wikidata_id": company.wikidata_id,
        "description": company.description,
    }
