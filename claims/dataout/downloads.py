"""Views that return files and feeds rather than pages: the filtered lists as
CSV, JSON and JSON Lines, sources and claims as citation records (BibTeX, RIS,
CSL-JSON), and the Atom feed of what changed.

Every list download filters through the FilterSet of the page it is linked
from, starting from the same public queryset, with the same query string and
in the same order: /claims.csv?company=alibaba holds exactly the claims that
/?company=alibaba lists, on all its pages. Lists are streamed
(StreamingHttpResponse) in chunks, so they have no row cap and run in bounded
memory however large the corpus.
"""

from contextlib import nullcontext
from dataclasses import dataclass, field

from django.contrib.syndication.views import Feed
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, transaction
from django.db.models import Prefetch
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape
from django.utils.http import content_disposition_header
from django.utils.text import slugify
from django.views import View

from claims.dataout import citeformats
from claims.dataout.rows import (
    CHUNK,
    CLAIM_COLUMNS,
    COMPANY_COLUMNS,
    SOURCE_COLUMNS,
    claim_rows,
    company_row,
    csv_lines,
    json_array,
    json_lines,
    source_row,
)
from claims.models import Citation, Claim, Company, Topic, sources_with_public_claims
from claims.parameters import query_string
from claims.public.filters import ClaimFilterSet, CompanyFilterSet, SourceFilterSet

# format: (content type, file extension)
TABLE_FORMATS = {
    "csv": ("text/csv; charset=utf-8", "csv"),
    "json": ("application/json", "json"),
    "jsonl": ("application/x-ndjson", "jsonl"),
}
CITATION_FORMATS = {
    "bib": ("application/x-bibtex; charset=utf-8", "bib"),
    "ris": ("application/x-research-info-systems; charset=utf-8", "ris"),
    "csl.json": ("application/vnd.citationstyles.csl+json", "csl.json"),
}
# Streamed responses are sent in blocks of about this many characters, not a
# write per row.
BLOCK_SIZE = 64 * 1024


def base_url(request):
    """'https://host' for the absolute permalinks in a download."""
    return request.build_absolute_uri("/").rstrip("/")


def filename(stem, params, filters, extension):
    """'claims-alibaba-figure.csv': the list's name and the values of its filters."""
    values = [value for name in filters if name != "sort" for value in params.getlist(name)]
    name = "-".join(part for part in [stem, *map(slugify, values)] if part)
    return f"{name[:100].rstrip('-')}.{extension}"


def blocks(lines):
    """Join lines into blocks of about BLOCK_SIZE characters, as bytes."""
    buffer, size = [], 0
    for line in lines:
        buffer.append(line)
        size += len(line)
        if size >= BLOCK_SIZE:
            yield "".join(buffer).encode()
            buffer, size = [], 0
    if buffer:
        yield "".join(buffer).encode()


def in_one_snapshot(lines):
    """Read a whole download in one transaction on PostgreSQL: every chunk sees
    the same corpus, and the server-side cursor is a plain one, not one
    declared WITH HOLD, which PostgreSQL fills with the whole result before
    the first row goes out. (Not on SQLite, where the project's transactions
    take the write lock: the loader would wait for the download.)

    The transaction begins when the server starts sending the body and ends
    with it, or when the server closes the response early (the client went
    away): never outside the response."""
    with transaction.atomic() if connection.vendor == "postgresql" else nullcontext():
        yield from lines


def attachment(content, content_type, name):
    """A download: streamed when content is an iterator of bytes."""
    if isinstance(content, str | bytes):
        response = HttpResponse(content, content_type=content_type)
    else:
        response = StreamingHttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, name)
    return response


# -- filtered lists as CSV, JSON and JSON Lines ---------------------------------------------------


class ListDownloadView(View):
    """A filtered public list as a file, in the list's own order, streamed."""

    filterset_class = None
    stem = None
    formats = TABLE_FORMATS

    def get_queryset(self):
        """The rows the public may see, before any filter: the list page's own base."""
        raise ImproperlyConfigured(f"{type(self).__name__} must define get_queryset().")

    def get_filterset(self):
        """The list page's FilterSet, bound to the same query string."""
        if self.filterset_class is None:
            raise ImproperlyConfigured(f"{type(self).__name__} must set filterset_class.")
        return self.filterset_class(data=self.request.GET, queryset=self.get_queryset(), request=self.request)

    def get_rows(self, queryset):
        """One row (a dict, or a citation record) per object of the filtered queryset, in its order."""
        raise ImproperlyConfigured(f"{type(self).__name__} must define get_rows().")

    def get_lines(self, rows, format):
        """The file's text, a piece at a time."""
        if format == "csv":
            return csv_lines(rows, self.columns)
        return json_array(rows) if format == "json" else json_lines(rows)

    def get(self, request, format):
        if format not in self.formats:
            raise Http404("No such format.")
        content_type, extension = self.formats[format]
        filterset = self.get_filterset()
        # Resolve the filters (companies by name, the topic tree ...) now, so
        # that the stream itself only reads rows.
        queryset = filterset.qs
        lines = self.get_lines(self.get_rows(queryset), format)
        name = filename(self.stem, request.GET, filterset.filters, extension)
        return attachment(in_one_snapshot(blocks(lines)), content_type, name)


class ClaimDownloadView(ListDownloadView):
    """Every published claim the claim list shows for the query string: no page, no cap."""

    filterset_class = ClaimFilterSet
    stem = "claims"
    columns = CLAIM_COLUMNS

    def get_queryset(self):
        """Published claims, as on the claim list."""
        return Claim.objects.public()

    def get_rows(self, queryset):
        """Rows of claims, read as values in chunks."""
        return claim_rows(queryset, base_url(self.request), chunk_size=CHUNK)


class SourceDownloadView(ListDownloadView):
    filterset_class = SourceFilterSet
    stem = "sources"
    columns = SOURCE_COLUMNS

    def get_queryset(self):
        """Sources that published claims come from or cite, as on the source list."""
        return SourceFilterSet.base_queryset()

    def get_rows(self, queryset):
        """Rows of sources with their authors, read in chunks."""
        url = base_url(self.request)
        return (source_row(s, url) for s in queryset.prefetch_related("authors").iterator(chunk_size=CHUNK))


class CompanyDownloadView(ListDownloadView):
    filterset_class = CompanyFilterSet
    stem = "companies"
    columns = COMPANY_COLUMNS

    def get_queryset(self):
        """Companies that published claims are about, as on the company list."""
        return CompanyFilterSet.base_queryset()

    def get_rows(self, queryset):
        """Rows of companies with their parents, read in chunks."""
        url = base_url(self.request)
        return (company_row(c, url) for c in queryset.with_public_parent().iterator(chunk_size=CHUNK))


# -- citation records -------------------------------------------------------------------------------


def citation_lines(records, format):
    """Records as a BibTeX or RIS file (one after another) or a CSL-JSON array."""
    if format == "csl.json":
        return json_array(records)
    return (("" if n == 0 else "\n") + record for n, record in enumerate(records))


SOURCE_RECORDS = {"bib": citeformats.source_bibtex, "ris": citeformats.source_ris, "csl.json": citeformats.source_csl}
CLAIM_RECORDS = {"bib": citeformats.claim_bibtex, "ris": citeformats.claim_ris, "csl.json": citeformats.claim_csl}


class SourceListCitationView(SourceDownloadView):
    """The sources of the filtered source list, for a reference manager."""

    formats = CITATION_FORMATS

    def get_rows(self, queryset):
        """One citation record per source, read in chunks with their authors."""
        record = SOURCE_RECORDS[self.kwargs["format"]]
        return (record(source) for source in queryset.prefetch_related("authors").iterator(chunk_size=CHUNK))

    def get_lines(self, rows, format):
        return citation_lines(rows, format)


def source_citation(request, key, format):
    """One source as a BibTeX, RIS or CSL-JSON record."""
    if format not in CITATION_FORMATS:
        raise Http404("No such format.")
    source = get_object_or_404(sources_with_public_claims().prefetch_related("authors"), key=key)
    content_type, extension = CITATION_FORMATS[format]
    text = "".join(citation_lines([SOURCE_RECORDS[format](source)], format))
    return attachment(text, content_type, f"{source.key}.{extension}")


def claim_citation(request, pk, format):
    """Cite this claim: its source with the cited passage (locator, verbatim
    quote) and the claim's permalink, one record per citation."""
    if format not in CITATION_FORMATS:
        raise Http404("No such format.")
    citations = Citation.objects.select_related("source").prefetch_related("source__authors").order_by("id")
    claim = get_object_or_404(Claim.objects.public().prefetch_related(Prefetch("citations", queryset=citations)), pk=pk)
    url, record = base_url(request), CLAIM_RECORDS[format]
    content_type, extension = CITATION_FORMATS[format]
    text = "".join(citation_lines([record(claim, citation, url) for citation in claim.citations.all()], format))
    return attachment(text, content_type, f"claim-{claim.pk}.{extension}")


# -- what changed: an Atom feed ------------------------------------------------------------------


@dataclass
class FeedEntry:
    link: str
    guid: str
    title: str
    description: str
    updated: object
    published: object = None
    categories: list = field(default_factory=list)


@dataclass
class FeedQuery:
    """What one request asks the feed for. (A Feed is one instance shared by
    every request: per-request state lives here, never on the Feed.)"""

    request: object
    filterset: ClaimFilterSet

    @property
    def query(self):
        query = query_string(self.request.GET)
        return query if query != "?" else ""


class ClaimFeed(Feed):
    """Claims published or changed, newest change first, and a notice for each
    claim retracted after it was published, filtered like the claim list.

    A retraction notice carries the claim's permalink, "Retracted" and the
    reason, never the claim's text or quotes. Search and metric, which match
    a claim's words, do not narrow the notices (a notice found by a search
    would tell what the retracted claim said); the other filters do. Drafts
    and claims in review never appear."""

    feed_type = Atom1Feed
    limit = 50
    author_name = "Claims corpus"
    title = "Claims corpus: claims published, changed and retracted"
    subtitle = "Published claims, newest change first, and notices of claims retracted after publication."
    # Filters that match a claim's words rather than what it is about.
    TEXT_FILTERS = ("q", "metric")

    def get_object(self, request):
        return FeedQuery(request, ClaimFilterSet(data=request.GET, queryset=Claim.objects.public(), request=request))

    def link(self, feed):
        """The claim list with the same filters."""
        return reverse("claims:claim-list") + feed.query

    def feed_url(self, feed):
        return reverse("claims:claim-feed") + feed.query

    def items(self, feed):
        published = (
            feed.filterset.qs.order_by("-updated_at", "-pk")
            .select_related("source")
            .prefetch_related(
                Prefetch("companies", queryset=Company.objects.order_by("name").only("name")),
                Prefetch("topics", queryset=Topic.objects.order_by("name").only("name")),
                Prefetch("citations", queryset=Citation.objects.select_related("source").order_by("id")),
            )[: self.limit]
        )
        entries = [self.published_entry(feed.request, claim) for claim in published]
        entries += self.retraction_notices(feed.request)
        entries.sort(key=lambda entry: entry.updated, reverse=True)
        return entries[: self.limit]

    def retraction_notices(self, request):
        """Entries for claims retracted after they were published, narrowed by the non-text filters."""
        params = request.GET.copy()
        for name in self.TEXT_FILTERS:
            params.pop(name, None)
        retracted = Claim.objects.filter(status=Claim.Status.RETRACTED, published_at__isnull=False)
        notices = ClaimFilterSet(data=params, queryset=retracted, request=request).qs
        rows = notices.order_by("-updated_at", "-pk").values_list("pk", "retraction_reason", "updated_at")
        entries = []
        for pk, reason, updated in rows[: self.limit]:
            link = reverse("claims:claim-detail", args=[pk])
            entries.append(
                FeedEntry(
                    link=link,
                    guid=request.build_absolute_uri(link),
                    title="Retracted",
                    description=f"<p>Retracted: {escape(reason)}</p>",
                    updated=updated,
                )
            )
        return entries

    def published_entry(self, request, claim):
        quotes = "".join(
            f"<blockquote><p>{escape(c.quote)}</p></blockquote><p>— {escape(c.source.title)}, {escape(c.locator)}</p>"
            for c in claim.citations.all()
        )
        link = claim.get_absolute_url()
        return FeedEntry(
            link=link,
            guid=request.build_absolute_uri(link),
            title=claim.text,
            description=f"<p>{escape(claim.text)}</p>{quotes}",
            updated=claim.updated_at,
            published=claim.published_at,
            categories=[c.name for c in claim.companies.all()] + [t.name for t in claim.topics.all()],
        )

    def item_title(self, entry):
        # An Atom title is plain text, which the XML writer escapes: not HTML.
        return entry.title

    def item_description(self, entry):
        # An Atom summary is HTML: every piece of data in it is escaped above.
        return entry.description

    def item_link(self, entry):
        return entry.link

    def item_guid(self, entry):
        # The permalink, for the claim and its retraction alike: a feed reader
        # replaces the claim's entry with the notice.
        return entry.guid

    def item_updateddate(self, entry):
        return entry.updated

    def item_pubdate(self, entry):
        return entry.published

    def item_categories(self, entry):
        return entry.categories
