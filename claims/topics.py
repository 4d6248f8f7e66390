"""The topic hierarchy and what rolls up through it.

Filtering by a topic finds the claims filed under it or any topic below it,
so every count by topic rolls up the same way: the facet counts, the kept
public counts (claims/scale/counts.py) and the coverage grid (a summary,
claims/scale/summaries.py) all count through TopicTree and topic_counts()
here, which is why this module sits below them and imports nothing but the
models and the URL parameters.
"""

from dataclasses import dataclass

from django.db.models import Count, Q
from django.http import QueryDict

from claims.models import Claim, Topic
from claims.parameters import query_string


class TopicTree:
    """Every topic, loaded in one query, with its sub-topics: filtering by a
    topic includes its sub-topics, and topic counts roll up."""

    def __init__(self, topics):
        self.topics = list(topics)
        self.by_id = {topic.pk: topic for topic in self.topics}
        self.by_slug = {topic.slug: topic for topic in self.topics}
        self.children = {topic.pk: [] for topic in self.topics}
        for topic in self.topics:
            if topic.parent_id in self.children:
                self.children[topic.parent_id].append(topic)

    @classmethod
    def load(cls):
        return cls(Topic.objects.only("pk", "slug", "name", "parent_id").order_by("name"))

    @classmethod
    def load_public(cls):
        """The public topics (Topic.objects.public()): a tree too, as the
        ancestors of a public topic are public; counts of public claims roll
        up through it as through the whole tree."""
        return cls(Topic.objects.public().only("pk", "slug", "name", "parent_id").order_by("name"))

    @property
    def roots(self):
        return [topic for topic in self.topics if topic.parent_id not in self.by_id]

    def subtree_ids(self, topic):
        """The topic's id and the ids of all topics below it."""
        ids, stack = set(), [topic]
        while stack:
            current = stack.pop()
            if current.pk not in ids:
                ids.add(current.pk)
                stack.extend(self.children[current.pk])
        return ids

    def ancestors(self, topic):
        """From the root down to the topic's parent."""
        chain, seen = [], {topic.pk}
        while topic.parent_id in self.by_id and topic.parent_id not in seen:
            topic = self.by_id[topic.parent_id]
            seen.add(topic.pk)
            chain.append(topic)
        return chain[::-1]

    def depth(self, topic):
        return len(self.ancestors(topic))


def topic_counts(claims, tree):
    """{topic id: number of claims in the topic or below it} for a claims
    queryset with one row per claim."""
    claims = claims.order_by()
    direct = {
        topic_id: n for topic_id, n in claims.values_list("topics").annotate(n=Count("*")) if topic_id is not None
    }
    counts = dict(direct)
    # A topic with sub-topics needs COUNT(DISTINCT): a claim filed under two of
    # them is one claim. Only topics with something below them are counted.
    parents = [
        topic
        for topic in tree.topics
        if tree.children[topic.pk] and any(pk in direct for pk in tree.subtree_ids(topic) - {topic.pk})
    ]
    if parents:
        rolled = claims.aggregate(
            **{
                f"t{topic.pk}": Count("pk", distinct=True, filter=Q(topics__in=tree.subtree_ids(topic)))
                for topic in parents
            }
        )
        counts.update({topic.pk: rolled[f"t{topic.pk}"] for topic in parents})
    return counts


# -- the coverage grid: companies by topic ------------------------------------------

# Companies shown in the coverage grid unless all are asked for.
COVERAGE_ROWS = 50


@dataclass
class CoverageCell:
    count: int
    sources: int
    url: str

    @property
    def single_source(self):
        return self.count > 0 and self.sources == 1


def coverage_columns(tree, within=None):
    """The topics across the grid: the sub-topics of within (and within
    itself, first, for all of it), by default the top of the hierarchy, going
    down while there is a single topic."""
    if within is not None:
        return [within, *tree.children[within.pk]]
    columns = tree.roots
    if len(columns) == 1 and tree.children[columns[0].pk]:
        columns = [columns[0], *tree.children[columns[0].pk]]
    return columns


def coverage_rows(tree, columns, limit, list_url):
    """[(slug, name, total, [CoverageCell per column])] for the companies with
    the most published claims in these topics, in one query: distinct claims
    and distinct sources per company and topic (sub-topics included)."""
    subtrees = {topic.pk: tree.subtree_ids(topic) for topic in columns}
    everything = set().union(*subtrees.values()) if subtrees else set()
    aggregates = {"total": Count("pk", distinct=True, filter=Q(topics__in=everything))}
    for pk, ids in subtrees.items():
        aggregates[f"claims_{pk}"] = Count("pk", distinct=True, filter=Q(topics__in=ids))
        aggregates[f"sources_{pk}"] = Count("source", distinct=True, filter=Q(topics__in=ids))
    rows = (
        Claim.objects.public()
        .filter(companies__isnull=False, topics__in=everything)
        .values("companies__slug", "companies__name")
        .annotate(**aggregates)
        .order_by("-total", "companies__name")
    )
    if limit is not None:
        rows = rows[: limit + 1]
    result = []
    for row in rows:
        cells = [
            CoverageCell(
                count=row[f"claims_{topic.pk}"],
                sources=row[f"sources_{topic.pk}"],
                url=list_url + query_string(QueryDict(), company=[row["companies__slug"]], topic=[topic.slug]),
            )
            for topic in columns
        ]
        result.append((row["companies__slug"], row["companies__name"], row["total"], cells))
    return result
