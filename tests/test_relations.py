"""Relations as data: the relations page, its filters and downloads,
/api/relations/, relations on the claim page, in the claim API and in the
claim exports, and the claim list's "has relations of type" filter.

A relation is public only when both its claims are: one that touches a
draft, a claim in review or a retracted claim appears nowhere."""

import csv
import io
import json
import re

import lxml.html
import pytest
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext

from claims.dataout.relations import RELATION_COLUMNS, flat
from claims.models import Claim, ClaimRelation
from claims.public.filters import ClaimFilterSet
from claims.public.relationfilters import RelationFilterSet

from .conftest import make_claim

pytestmark = pytest.mark.django_db

BASE = "http://testserver"


def pairs(query):
    """The pairs RelationFilterSet finds for a query string, as (from key, type, to key)."""
    filterset = RelationFilterSet(data=QueryDict(query), queryset=RelationFilterSet.base_queryset())
    assert filterset.is_valid(), filterset.errors
    return [(r.from_claim.key, r.type, r.to_claim.key) for r in filterset.qs]


CONTRADICTS = ("market-2018-low", "contradicts", "market-2018")
UPDATES = ("market-2018", "updates", "market-2017")
SUPPORTS = ("fintech-rivalry", "supports", "cloud-abroad")


# -- the filters -----------------------------------------------------------------------------


def test_every_public_pair_once_oldest_first(related):
    assert pairs("") == [CONTRADICTS, UPDATES, SUPPORTS]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("type=contradicts", [CONTRADICTS]),
        ("type=contradicts&type=supports", [CONTRADICTS, SUPPORTS]),
        ("type=resolves", []),  # the only one touches a claim in review
        # A pair matches when either claim does.
        ("company=ant-financial", [UPDATES]),
        ("company=Ant+Group", [UPDATES]),  # an alias
        ("company=tencent", [CONTRADICTS, UPDATES, SUPPORTS]),
        ("company=alibaba&company=tencent&type=supports", [SUPPORTS]),
        ("company=nobody", []),
        ("company=hidden-co", []),  # only a draft is about it
        ("topic=cloud-computing", [SUPPORTS]),
        ("topic=Cloud+computing", [SUPPORTS]),  # by name
        ("topic=mobile-payments", [CONTRADICTS, UPDATES]),
        ("topic=digital-economy", [CONTRADICTS, UPDATES, SUPPORTS]),  # sub-topics included
        ("topic=hidden-topic", []),
        ("source=danilin-2020-covid&company=ant-financial", [UPDATES]),
        ("source=The+Impact+of+the+COVID+Crisis+on+Chinese+Platforms&type=supports", [SUPPORTS]),  # by title
        ("source=hidden-source", []),
    ],
)
def test_filters(related, query, expected):
    assert pairs(query) == expected


def test_a_pair_goes_when_either_claim_is_retracted(related):
    related.market_2018_low.status = Claim.Status.RETRACTED
    related.market_2018_low.retraction_reason = "Misread."
    related.market_2018_low.save()
    assert pairs("") == [UPDATES, SUPPORTS]


def test_the_claim_list_filters_by_relation_type_without_a_join(related, client):
    def listed(query):
        filterset = ClaimFilterSet(data=QueryDict(query), queryset=Claim.objects.public())
        assert filterset.is_valid(), filterset.errors
        joined = {join.table_name for join in filterset.qs.query.alias_map.values()}
        assert joined == {"claims_claim"}, joined
        return sorted(filterset.qs.values_list("key", flat=True))

    assert listed("relation=contradicts") == ["market-2018", "market-2018-low"]
    assert listed("relation=updates&relation=supports") == [
        "cloud-abroad",
        "fintech-rivalry",
        "market-2017",
        "market-2018",
    ]
    # Each of these has a relation only to an unpublished claim.
    assert listed("relation=resolves") == []
    page = client.get("/?relation=contradicts").content.decode()
    assert "2 claims" in page and "Has relations of type: contradicts" in page


# -- the page ----------------------------------------------------------------------------------


def with_class(element, name, tag="*"):
    """Descendants of element with the class name (lxml has no CSS selectors without cssselect)."""
    return element.xpath(f".//{tag}[contains(concat(' ', normalize-space(@class), ' '), ' {name} ')]")


def page_pairs(html):
    """Each pair on the relations page, as the reader sees it."""
    tree = lxml.html.fromstring(html)

    def side(element):
        figure = with_class(element, "figure")
        link = with_class(element, "title-link", "a")[0]
        return {
            "url": BASE + link.get("href"),
            "text": link.text_content(),
            "figure": figure[0].text_content() if figure else "",
            "source_title": with_class(element, "meta")[0].xpath(".//a")[0].text_content(),
        }

    found = []
    for item in with_class(tree, "relations", "ol")[0].xpath("./li"):
        first, second = with_class(item, "pair-claim")
        note = with_class(item, "relation-note")
        found.append(
            {
                "type": with_class(with_class(item, "relation-type")[0], "tag")[0].text_content(),
                "note": note[0].text_content().removeprefix("Note: ") if note else "",
                "from": side(first),
                "to": side(second),
            }
        )
    return found


def test_the_page_the_api_and_every_download_carry_the_same_pairs(client, related):
    query = "?company=alibaba"
    html = client.get("/relations/" + query).content.decode()
    api = client.get("/api/relations/" + query).json()["results"]
    as_json = json.loads(b"".join(client.get("/relations.json" + query).streaming_content))
    as_lines = [
        json.loads(line) for line in b"".join(client.get("/relations.jsonl" + query).streaming_content).splitlines()
    ]
    as_csv = list(
        csv.DictReader(io.StringIO(b"".join(client.get("/relations.csv" + query).streaming_content).decode()))
    )

    assert len(api) == 3
    assert api == as_json == as_lines
    assert as_csv == [{key: str(value) for key, value in flat(row).items()} for row in api]
    assert list(as_csv[0]) == RELATION_COLUMNS
    shown = ("url", "text", "figure", "source_title")
    assert page_pairs(html) == [
        {
            "type": row["type"],
            "note": row["note"],
            "from": {name: row["from"][name] for name in shown},
            "to": {name: row["to"][name] for name in shown},
        }
        for row in api
    ]
    first = api[0]
    assert (first["type"], first["note"]) == ("contradicts", "$12 trillion against $15.4 trillion for the same year.")
    assert first["from"] == {
        "url": BASE + related.market_2018_low.get_absolute_url(),
        "source": "danilin-2020-covid",
        "source_title": "The Impact of the COVID Crisis on Chinese Platforms",
        "key": "market-2018-low",
        "text": "Another estimate put China's 2018 mobile-payment market at $12 trillion.",
        "kind": "figure",
        "period": "2018",
        "figure": "12 trillion USD",
    }


def test_the_page_shows_the_filters_and_links_its_downloads(client, related):
    page = client.get("/relations/?type=contradicts&company=tencent").content.decode()
    assert "1 pair<" in page
    assert 'href="/relations.csv?type=contradicts&amp;company=tencent"' in page
    assert "Relation: contradicts" in page and "Company: Tencent" in page
    assert 'value="contradicts" id="id_type_0" checked' in page
    assert '<input type="hidden" name="company" value="tencent">' in page
    empty = client.get("/relations/?company=nobody").content.decode()
    assert "No pairs of published claims match these filters." in empty


def test_the_site_links_the_relations_page(client, related):
    home = client.get("/").content.decode()
    assert 'href="/relations/">Relations</a>' in home  # the navigation
    filtered = client.get("/?company=alibaba&kind=figure").content.decode()
    assert 'href="/relations/?company=alibaba">Which of these claims contradict' in filtered


@pytest.mark.parametrize("url", ["/relations/", "/relations.csv", "/relations.json", "/api/relations/", "/api/claims/"])
def test_a_relation_to_an_unpublished_claim_appears_nowhere(client, related, url):
    response = client.get(url)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert response.status_code == 200
    assert b"zebra" not in body


def test_claim_exports_and_pages_leave_out_relations_to_unpublished_claims(client, related):
    for claim in (related.market_2018, related.market_2017, related.rivalry):
        assert "zebra" not in client.get(claim.get_absolute_url()).content.decode()
        assert "zebra" not in json.dumps(client.get(f"/api/claims/{claim.pk}/").json())
    assert b"zebra" not in b"".join(client.get("/claims.jsonl").streaming_content)


def test_constant_queries_whatever_the_page_size(client, related, django_assert_max_num_queries):
    def count(url):
        with django_assert_max_num_queries(12), CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    urls = [
        "/relations/",
        "/relations/?company=alibaba&type=updates",
        "/api/relations/?page_size=200",
        "/relations.csv",
    ]
    few = {url: count(url) for url in urls}
    for i in range(60):
        later = make_claim(related.sacks, f"later-{i}", kind=Claim.Kind.FIGURE, value=i + 1, unit="USD")
        later.companies.add(related.alibaba)
        ClaimRelation.objects.create(from_claim=later, to_claim=related.market_2017, type="updates")
    from django.core.cache import cache

    cache.clear()  # the counts of the smaller corpus
    assert {url: count(url) for url in urls} == few
    assert len(client.get("/api/relations/?page_size=200").json()["results"]) == 63


# -- relations of one claim ----------------------------------------------------------------------


def related_section(client, claim):
    html = client.get(claim.get_absolute_url()).content.decode()
    tree = lxml.html.fromstring(html)
    sections = tree.xpath('//section[@aria-labelledby="relations-heading"]//li')
    return [" ".join(li.text_content().split()) for li in sections]


def test_the_claim_page_lists_each_pair_once_from_its_own_side(client, related):
    market_2018 = related_section(client, related.market_2018)
    assert len(market_2018) == 2
    assert market_2018[0].startswith("This claim contradicts: Another estimate put")
    assert market_2018[1].startswith("This claim updates: China's mobile-payment market reached $5.5 trillion")
    assert related_section(client, related.market_2017)[0].startswith("This claim is updated by: China's mobile")
    assert related_section(client, related.cloud_event)[0].startswith("This claim is supported by: Tencent and")
    assert related_section(client, related.rivalry)[0].startswith("This claim supports: Alibaba opened")


def test_the_api_and_the_claim_exports_give_each_claims_relations_once(client, related):
    expected = [
        {
            "type": "contradicts",
            "direction": "incoming",
            "phrase": "contradicts",
            "url": BASE + related.market_2018_low.get_absolute_url(),
            "source": "danilin-2020-covid",
            "key": "market-2018-low",
            "note": "$12 trillion against $15.4 trillion for the same year.",
        },
        {
            "type": "updates",
            "direction": "outgoing",
            "phrase": "updates",
            "url": BASE + related.market_2017.get_absolute_url(),
            "source": "danilin-2020-covid",
            "key": "market-2017",
            "note": "A year later.",
        },
    ]
    assert client.get(f"/api/claims/{related.market_2018.pk}/").json()["relations"] == expected
    listed = client.get("/api/claims/?relation=updates").json()["results"]
    assert next(row for row in listed if row["key"] == "market-2018")["relations"] == expected
    for format in ("json", "jsonl"):
        body = b"".join(client.get(f"/claims.{format}").streaming_content).decode()
        rows = json.loads(body) if format == "json" else [json.loads(line) for line in body.splitlines()]
        assert next(row for row in rows if row["key"] == "market-2018")["relations"] == expected
        assert next(row for row in rows if row["key"] == "market-2017")["relations"][0]["phrase"] == "is updated by"
    assert "relations" not in b"".join(client.get("/claims.csv").streaming_content).decode().splitlines()[0]


def test_the_api_documents_relations(client):
    schema = client.get("/api/schema/?format=json").json()
    assert "/api/relations/" in schema["paths"]
    parameters = {p["name"] for p in schema["paths"]["/api/relations/"]["get"]["parameters"]}
    assert {"type", "company", "topic", "source", "after", "page_size"} <= parameters
    assert "relations" in schema["components"]["schemas"]["Claim"]["properties"]


def test_a_relation_made_or_removed_shows_at_the_next_request(client, related, settings):
    """Relations are edited in the claim's admin page: each change moves the
    corpus version, so no cached page keeps a pair that is gone."""
    settings.PAGE_CACHE_SECONDS = 600
    assert "3 pairs" in client.get("/relations/").content.decode()
    added = ClaimRelation.objects.create(from_claim=related.cloud_event, to_claim=related.market_2017, type="supports")
    assert "4 pairs" in client.get("/relations/").content.decode()
    added.delete()
    related.pairs[0].delete()
    assert "2 pairs" in client.get("/relations/").content.decode()
    assert "Another estimate put" not in client.get(related.market_2018.get_absolute_url()).content.decode()


@pytest.mark.parametrize(
    "query, message",
    [
        ("company=hidden-co", "No company 'hidden-co'."),
        ("company=Hidden+Co", "No company 'Hidden Co'."),
        ("topic=hidden-topic", "No topic 'hidden-topic'."),
        ("source=hidden-source", "No source 'hidden-source'."),
    ],
)
def test_a_name_only_drafts_use_is_never_named_back(client, related, query, message):
    """The relations page, its downloads and /api/relations/ treat a company,
    topic or source that only unpublished claims use as no such thing: the
    API answers 400 as for a name that does not exist, and the page echoes
    what was typed but never links the thing as found."""
    response = client.get(f"/api/relations/?{query}")
    assert response.status_code == 400 and message in json.dumps(response.json())
    page = client.get(f"/relations/?{query}").content.decode()
    assert not {"/companies/hidden-co/", "/topics/hidden-topic/", "/sources/hidden-source/"} & set(
        re.findall(r'href="([^"?]+)', page)
    )
    assert "Hidden topic" not in page and "Hidden source" not in page
