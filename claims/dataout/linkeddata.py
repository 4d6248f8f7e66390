"""schema.org linked data (JSON-LD) for claim and source pages.

A claim is a schema.org `Claim` made by its source's authors when the source
was published; its `appearance` is the source as a `CreativeWork` (a
`ScholarlyArticle`, `Report`, `Article` ...), and each citation a `Quotation`
that is part of it. A source page describes the source alone.

The data goes into the page inside <script type="application/ld+json">, a
data block that browsers never execute (so the CSP's script-src 'self'
does not forbid it). JSON itself would let `</script>` in a title or quote
end the block, so <, > and & are written as \\u escapes, as Django's
json_script does.
"""

import json

from django.core.serializers.json import DjangoJSONEncoder
from django.utils.safestring import mark_safe

from claims.models import Author, Source, format_partial_date

SCHEMA_TYPES = {
    Source.Kind.JOURNAL_ARTICLE: "ScholarlyArticle",
    Source.Kind.REPORT: "Report",
    Source.Kind.WEB_ARTICLE: "Article",
    Source.Kind.MAGAZINE_ARTICLE: "Article",
    Source.Kind.INTERVIEW: "CreativeWork",
    Source.Kind.BOOK: "Book",
    Source.Kind.FILING: "DigitalDocument",
    Source.Kind.DATASET: "Dataset",
    Source.Kind.OTHER: "CreativeWork",
}
# schema.org properties for each byline role; interviewees are an interview's authors.
ROLE_PROPERTIES = {
    Author.Role.AUTHOR: "author",
    Author.Role.INTERVIEWEE: "author",
    Author.Role.EDITOR: "editor",
    Author.Role.INTERVIEWER: "contributor",
    Author.Role.TRANSLATOR: "translator",
}
_SCRIPT_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


def person(author):
    """An author as a schema.org Person or Organization."""
    if author.organisation:
        return {"@type": "Organization", "name": author.organisation}
    if not author.given:
        return {"@type": "Person", "name": author.family, "familyName": author.family}
    return {
        "@type": "Person",
        "name": f"{author.given} {author.family}",
        "givenName": author.given,
        "familyName": author.family,
    }


def people(source):
    """{property: [Person or Organization]} of the source's byline (authors prefetched)."""
    roles = {}
    for author in source.authors.all():
        roles.setdefault(ROLE_PROPERTIES[author.role], []).append(person(author))
    return roles


def source_data(source, base_url=""):
    """The source as a schema.org CreativeWork; its @id is its page here."""
    page = base_url + source.get_absolute_url()
    data = {
        "@type": SCHEMA_TYPES[source.kind],
        "@id": page,
        "name": source.title,
        "url": source.url or page,
        "inLanguage": source.language,
        **people(source),
    }
    if source.kind == Source.Kind.INTERVIEW:
        data["genre"] = "interview"
    if source.published:
        data["datePublished"] = format_partial_date(source.published, source.published_precision)
    if source.publisher:
        data["publisher"] = {"@type": "Organization", "name": source.publisher}
    if source.venue:
        venue = {"@type": "Periodical" if source.kind == Source.Kind.JOURNAL_ARTICLE else "CreativeWork"}
        venue["name"] = source.venue
        if source.volume:
            venue = {"@type": "PublicationVolume", "volumeNumber": source.volume, "isPartOf": venue}
        if source.issue:
            venue = {"@type": "PublicationIssue", "issueNumber": source.issue, "isPartOf": venue}
        data["isPartOf"] = venue
    if source.pages:
        data["pagination"] = source.pages
    if source.doi:
        data["identifier"] = {"@type": "PropertyValue", "propertyID": "DOI", "value": source.doi}
        data["sameAs"] = f"https://doi.org/{source.doi}"
    return data


def claim_data(claim, base_url=""):
    """The claim as a schema.org Claim (companies, topics and citations with
    their sources and authors prefetched): made by its source's authors, appearing
    in the sources it cites, with the quotes that back it."""
    permalink = base_url + claim.get_absolute_url()
    citations = list(claim.citations.all())
    # The claim's own source, with its authors, as the citations carry it.
    sources = {claim.source_id: next((c.source for c in citations if c.source_id == claim.source_id), claim.source)}
    for citation in citations:
        sources.setdefault(citation.source_id, citation.source)
    own = sources[claim.source_id]
    data = {
        "@context": "https://schema.org",
        "@type": "Claim",
        "@id": permalink,
        "url": permalink,
        "text": claim.text,
        "firstAppearance": {"@id": base_url + own.get_absolute_url()},
        "appearance": [source_data(source, base_url) for source in sources.values()],
        "citation": [
            {
                "@type": "Quotation",
                "text": citation.quote,
                "isPartOf": {"@id": base_url + citation.source.get_absolute_url()},
                "description": citation.locator,
            }
            for citation in citations
        ],
        "about": [
            {"@type": "Organization", "name": c.name, "url": base_url + c.get_absolute_url()}
            | ({"sameAs": c.wikidata_url} if c.wikidata_id else {})
            for c in claim.companies.all()
        ],
        "keywords": [topic.name for topic in claim.topics.all()],
    }
    if authors := people(own).get("author"):
        data["author"] = authors
    if own.published:
        data["datePublished"] = format_partial_date(own.published, own.published_precision)
    if claim.period_start:
        start = claim.period_start.isoformat()
        end = claim.period_end.isoformat()
        data["temporalCoverage"] = start if start == end else f"{start}/{end}"
    return data


def json_ld(data):
    """data as a <script type="application/ld+json"> block that nothing in it can end early."""
    text = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=1).translate(_SCRIPT_ESCAPES)
    # Safe: the data is JSON with every <, > and & escaped, inside a data block.
    return mark_safe(f'<script type="application/ld+json">{text}</script>')
