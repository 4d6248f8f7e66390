"""Companies and topics are public only while a public claim uses them
(Company.objects.public(), Topic.objects.public()): one only drafts,
claims in review or retracted claims name appears on no public URL, in no
download and in no sitemap — whether the kept public counts are complete or
not (the two ways those querysets decide)."""

import pytest
from django.urls import reverse

from claims.models import Claim, Company, Topic
from claims.scale import counts

from .conftest import make_claim
from .security_harness import PUBLIC_ROUTES, assert_no_markers, filled_urls, query_values, with_query

pytestmark = pytest.mark.django_db

MARKERS = ["zqdraftcompany", "zqdraftalias", "zqdraftparent", "zqdrafttopic", "zqdraftchild", "zqdescription"]


@pytest.fixture(params=["live", "kept"])
def drafted(request, corpus):
    """The public corpus plus a company, its parent and two topics (one under
    a public topic) that only a draft and a retracted claim use; the public
    company Tencent gets the draft-only company as its parent. With "kept",
    the public counts are complete (as after any load)."""
    c = corpus
    c.draft_parent = Company.objects.create(name="zqdraftparent Holdings", slug="zqdraftparent")
    c.draft_company = Company.objects.create(
        name="zqdraftcompany Ltd",
        slug="zqdraftcompany",
        aliases=["zqdraftalias"],
        parent=c.draft_parent,
        description="zqdescription",
    )
    Company.objects.filter(pk=c.tencent.pk).update(parent=c.draft_company)
    c.draft_topic = Topic.objects.create(name="zqdrafttopic", slug="zqdrafttopic", description="zqdescription")
    c.draft_child = Topic.objects.create(name="zqdraftchild", slug="zqdraftchild", parent=c.fintech)
    for status in (Claim.Status.DRAFT, Claim.Status.RETRACTED):
        claim = make_claim(c.sacks, f"draft-only-{status}", status=status, retraction_reason="wrong")
        claim.companies.set([c.draft_company, c.draft_parent, c.alibaba])
        claim.topics.set([c.draft_topic, c.draft_child, c.fintech])
    if request.param == "kept":
        counts.recount_all()
    return c


def test_the_public_vocabulary_is_what_public_claims_use(drafted):
    c = drafted
    assert set(Company.objects.public()) == {c.alibaba, c.ant, c.tencent}
    # Topics roll up: digital economy has no claim of its own, but one below it.
    assert set(Topic.objects.public()) == {c.economy, c.fintech, c.payments, c.cloud}


def test_the_public_querysets_take_one_query(drafted, django_assert_num_queries):
    with django_assert_num_queries(1):
        list(Company.objects.public())
    with django_assert_num_queries(1):
        list(Topic.objects.public())


def test_a_company_or_topic_used_only_by_drafts_has_no_page(client, drafted):
    c = drafted
    for url in (
        reverse("claims:company-detail", args=[c.draft_company.slug]),
        reverse("claims:company-detail", args=[c.draft_parent.slug]),
        reverse("claims:topic-detail", args=[c.draft_topic.slug]),
        reverse("claims:topic-detail", args=[c.draft_child.slug]),
        reverse("api:company-detail", args=[c.draft_company.slug]),
        reverse("api:topic-detail", args=[c.draft_topic.slug]),
        reverse("api:topic-detail", args=[c.draft_child.slug]),
        reverse("claims:coverage") + f"?within={c.draft_topic.slug}",
    ):
        assert client.get(url).status_code == 404, url


def test_a_public_company_does_not_name_a_parent_only_drafts_use(client, drafted):
    c = drafted
    page = client.get(c.tencent.get_absolute_url())
    assert page.status_code == 200 and "zqdraft" not in page.content.decode()
    api = client.get(reverse("api:company-detail", args=[c.tencent.slug])).json()
    assert api["parent"] is None
    ant = client.get(reverse("api:company-detail", args=[c.ant.slug])).json()
    assert ant["parent"] == c.alibaba.slug


PROBES = [
    {},
    {"company": "zqdraftcompany"},
    {"company": "zqdraftalias"},
    {"company": "zqdraftcompany Ltd"},
    {"topic": "zqdrafttopic"},
    {"topic": "zqdraftchild"},
    {"q": "zqdraftcompany"},
    {"show": ["company", "topic"]},
    {"within": "fintech", "all": "1"},
    {"within": "zqdrafttopic"},
]


@pytest.mark.parametrize("route", PUBLIC_ROUTES, ids=str)
def test_a_company_or_topic_used_only_by_drafts_appears_nowhere_public(client, drafted, route):
    c = drafted
    values = {
        "claim": [c.market_2018.pk],
        "source": [c.sacks.key],
        "company": [c.alibaba.slug, c.tencent.slug, c.draft_company.slug, c.draft_parent.slug],
        "topic": [c.fintech.slug, c.economy.slug, c.draft_topic.slug, c.draft_child.slug],
        "format": ["csv", "json", "jsonl", "bib", "ris", "csl.json"],
        "any": [c.market_2018.pk, c.sacks.key, c.alibaba.slug, c.fintech.slug],
    }
    for url in filled_urls(route, values):
        path_values = url.strip("/").split("/")
        for params in PROBES if not route.params else [{}]:
            assert_no_markers(client, with_query(url, params), MARKERS, [*path_values, *query_values(params)])


def test_the_sitemap_lists_only_the_public_vocabulary(client, drafted):
    c = drafted
    companies = client.get(reverse("claims:sitemap-section", args=["companies"])).content.decode()
    topics = client.get(reverse("claims:sitemap-section", args=["topics"])).content.decode()
    assert c.tencent.get_absolute_url() in companies and "zqdraft" not in companies
    assert c.economy.get_absolute_url() in topics and "zqdraft" not in topics


def test_the_company_download_lists_only_public_companies(client, drafted):
    body = b"".join(client.get(reverse("claims:company-download", args=["csv"])).streaming_content).decode()
    assert "Tencent" in body and "zqdraft" not in body
