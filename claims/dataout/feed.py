"""What changed, as an Atom feed: published claims newest change first,
filtered by the claim list's query string, and a notice for each claim
retracted (its title names the claim; its link is the retraction notice)."""

from dataclasses import dataclass, field

from django.contrib.syndication.views import Feed
from django.db.models import Prefetch
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape

from claims.models import Citation, Claim, Company, Topic, detail_url
from claims.parameters import query_string
from claims.public.filters import ClaimFilterSet

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

    A retraction entry is titled "Retracted: <the claim's words>", gives the
    reason, and links to the claim's permalink, which answers with the
    retraction notice (claims/public/retractions.py); never the claim's
    quotes. Search and metric, which match a claim's words, do not narrow
    the notices (a retraction matters to whoever followed the claim, whatever
    it said); the other filters do. Drafts and claims in review never appear."""

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
        rows = notices.order_by("-updated_at", "-pk").values_list(
            "source__key", "key", "text", "retraction_reason", "updated_at"
        )
        entries = []
        for source_key, key, text, reason, updated in rows[: self.limit]:
            link = detail_url("claims:claim-detail", source_key, key)
            entries.append(
                FeedEntry(
                    link=link,
                    guid=request.build_absolute_uri(link),
                    title=f"Retracted: {text}",
                    description=f"<p><strong>Retracted</strong>: {escape(reason)}</p>"
                    f'<p>Notice: <a href="{escape(link)}">{escape(link)}</a></p>',
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
