from django.contrib.sitemaps import views as sitemap_views
from django.urls import path, register_converter
from django.views.decorators.http import require_safe

from claims.dataout import downloads, feed
from claims.dataout import relations as relation_downloads
from claims.public import metrics, pages, relations, retractions, robots, views
from claims.public.sitemaps import SITEMAPS


class TableFormat:
    """csv, json or jsonl: the formats of a list download."""

    regex = "csv|jsonl|json"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


class CitationFormat(TableFormat):
    """bib, ris or csl.json: the formats of a citation record."""

    regex = r"bib|ris|csl\.json"


register_converter(TableFormat, "table")
register_converter(CitationFormat, "citation")

app_name = "claims"

urlpatterns = [
    path("", views.ClaimListView.as_view(), name="claim-list"),
    # A claim's permalink is made of natural keys, so that it survives an
    # export and a load into an empty database; the old address by id
    # answers with a redirect (or, for a retracted claim, the notice).
    path("claims/<slug:source_key>/<slug:claim_key>/", pages.ClaimDetailView.as_view(), name="claim-detail"),
    path("claims/<int:pk>/", retractions.claim_by_id, name="claim-by-id"),
    path("sources/", views.SourceListView.as_view(), name="source-list"),
    path("sources/<slug:key>/", pages.SourceDetailView.as_view(), name="source-detail"),
    path("companies/", views.CompanyListView.as_view(), name="company-list"),
    path("companies/<slug:slug>/", pages.CompanyDetailView.as_view(), name="company-detail"),
    path("topics/", views.TopicListView.as_view(), name="topic-list"),
    path("topics/<slug:slug>/", pages.TopicDetailView.as_view(), name="topic-detail"),
    path("coverage/", pages.CoverageView.as_view(), name="coverage"),
    path("disagreements/", pages.DisagreementsView.as_view(), name="disagreements"),
    path("relations/", relations.RelationListView.as_view(), name="relation-list"),
    path("metrics/", metrics.MetricListView.as_view(), name="metric-list"),
    # The slug is models.metric_slug(label); every link is built from it.
    path("metrics/<slug:slug>/", metrics.MetricDetailView.as_view(), name="metric-detail"),
    # Downloads of the lists take the list page's query string: /claims.csv?company=alibaba.
    path("claims.<table:format>", downloads.ClaimDownloadView.as_view(), name="claim-download"),
    path("citations.<table:format>", downloads.CitationDownloadView.as_view(), name="citation-download"),
    # A Feed instance answers any method: the site is read-only, so GET and HEAD only.
    path("claims.atom", require_safe(feed.ClaimFeed()), name="claim-feed"),
    path(
        "claims/<slug:source_key>/<slug:claim_key>/cite.<citation:format>",
        downloads.claim_citation,
        name="claim-cite",
    ),
    path("claims/<int:pk>/cite.<citation:format>", downloads.claim_citation_by_id, name="claim-cite-by-id"),
    path("sources.<table:format>", downloads.SourceDownloadView.as_view(), name="source-download"),
    path("sources.<citation:format>", downloads.SourceListCitationView.as_view(), name="source-list-cite"),
    path("sources/<slug:key>/cite.<citation:format>", downloads.source_citation, name="source-cite"),
    path("companies.<table:format>", downloads.CompanyDownloadView.as_view(), name="company-download"),
    path("relations.<table:format>", relation_downloads.RelationDownloadView.as_view(), name="relation-download"),
    path(
        "sitemap.xml",
        require_safe(sitemap_views.index),
        {"sitemaps": SITEMAPS, "sitemap_url_name": "claims:sitemap-section"},
        name="sitemap",
    ),
    path("sitemap-<section>.xml", require_safe(sitemap_views.sitemap), {"sitemaps": SITEMAPS}, name="sitemap-section"),
    path("robots.txt", robots.robots_txt, name="robots"),
]
