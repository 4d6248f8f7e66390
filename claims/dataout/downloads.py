"""Views that return files rather than pages: the filtered lists as
CSV, JSON and JSON Lines, sources and claims as citation records (BibTeX, RIS,
CSL-JSON). The Atom feed of what changed is feed.py.

Every list download filters through the FilterSet of the page it is linked
from, starting from the same public queryset, with the same query string and
in the same order: /claims.csv?company=alibaba holds exactly the claims that
/?company=alibaba lists, on all its pages. Lists are streamed
(StreamingHttpResponse) in chunks, so they have no row cap and run in bounded
memory however large the corpus.
"""

from contextlib import nullcontext

from django.core.exceptions import ImproperlyConfigured
from django.db import connection, transaction
from django.db.models import Prefetch
from django.http import Http404, HttpResponse, HttpResponsePermanentRedirect, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.utils.http import content_disposition_header
from django.utils.text import slugify
from django.views import View

from claims.dataout import citeformats
from claims.dataout.rows import (
    CHUNK,
    CITATION_COLUMNS,
    CLAIM_COLUMNS,
    citation_rows,
    claim_rows,
)
from claims.dataout.tabular import csv_lines, json_array, json_lines
from claims.dataout.vocabularyrows import COMPANY_COLUMNS, SOURCE_COLUMNS, company_row, source_row
from claims.models import Citation, Claim, sources_with_public_claims
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


class CitationDownloadView(ClaimDownloadView):
    """The citations of the claims the claim list shows for the query string,
    one row each: the claims download's citations cell, as a table."""

    stem = "citations"
    columns = CITATION_COLUMNS

    def get_rows(self, queryset):
        """A row per citation, claim by claim in the list's order."""
        return citation_rows(super().get_rows(queryset))


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


def claim_citation(request, source_key, claim_key, format):
    """Cite this claim: its source with the cited passage (locator, verbatim quote)
    and the claim's permalink, one record per citation; published claims only."""
    if format not in CITATION_FORMATS:
        raise Http404("No such format.")
    citations = Citation.objects.select_related("source").prefetch_related("source__authors").order_by("id")
    claim = get_object_or_404(
        Claim.objects.public().select_related("source").prefetch_related(Prefetch("citations", queryset=citations)),
        source__key=source_key,
        key=claim_key,
    )
    url, record = base_url(request), CLAIM_RECORDS[format]
    content_type, extension = CITATION_FORMATS[format]
    records = [record(claim, citation, url, number=n) for n, citation in enumerate(claim.citations.all(), 1)]
    text = "".join(citation_lines(records, format))
    return attachment(text, content_type, f"{claim.source.key}-{claim.key}.{extension}")


def claim_citation_by_id(request, pk, format):
    """/claims/<id>/cite.<format>, the old address: 301 to the one under the claim's permalink."""
    if format not in CITATION_FORMATS:
        raise Http404("No such format.")
    claim = get_object_or_404(Claim.objects.public().select_related("source").only("key", "source__key"), pk=pk)
    return HttpResponsePermanentRedirect(claim.get_cite_url(format))
