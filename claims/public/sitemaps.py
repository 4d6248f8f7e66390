"""sitemap.xml: every public claim, source, company and topic page, for
search engines, in sections of 10,000 URLs.

Each section starts from the same public querysets as the pages, so the
sitemap lists nothing the public cannot open. Claims are listed in the
public order index's order with nothing but what their permalinks
(/claims/<source key>/<claim key>/) are made of: the index finds a
section's rows, which join the few sources by primary key.
"""

from django.contrib.sitemaps import Sitemap
from django.db.models import F

from claims.models import Claim, sources_with_public_claims
from claims.public.filters import CompanyFilterSet, TopicFilterSet


class PublicSitemap(Sitemap):
    # URLs per section; the scheme is the request's (https behind the proxy).
    limit = 10_000


class ClaimSitemap(PublicSitemap):
    def items(self):
        return (
            Claim.objects.public()
            .select_related("source")
            .only("pk", "key", "source__key")
            .order_by(F("period_start").desc(nulls_last=True), "-pk")
        )


class SourceSitemap(PublicSitemap):
    def items(self):
        return sources_with_public_claims().only("pk", "key").order_by("pk")


class CompanySitemap(PublicSitemap):
    def items(self):
        return CompanyFilterSet.base_queryset().only("pk", "slug").order_by("pk")


class TopicSitemap(PublicSitemap):
    def items(self):
        return TopicFilterSet.base_queryset().only("pk", "slug").order_by("pk")


SITEMAPS = {"claims": ClaimSitemap, "sources": SourceSitemap, "companies": CompanySitemap, "topics": TopicSitemap}
