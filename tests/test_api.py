import json
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections, connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, settings
from openapi_spec_validator import validate
from schemathesis.specs.openapi.checks import negative_data_rejection, positive_data_acceptance

from claims.models import Claim, ClaimRelation, Company, Topic
from corpus_site.wsgi import application

from .conftest import make_claim

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


@pytest.fixture
def corpus(source, alibaba, cloud):
    """Published, draft, in-review and retracted claims about Alibaba and Tencent."""
    tencent = Company.objects.create(name="Tencent", slug="tencent", aliases=["腾讯"])
    fintech = Topic.objects.create(name="Fintech", slug="fintech")
    claims = {}
    for key, status, companies, topics in [
        ("both-cloud", "published", [alibaba, tencent], [cloud]),
        ("alibaba-fintech", "published", [alibaba], [fintech]),
        ("tencent-cloud", "published", [tencent], [cloud]),
        ("draft-alibaba", "draft", [alibaba], [cloud]),
        ("review-alibaba", "review", [alibaba], [cloud]),
    ]:
        claim = make_claim(source, key, status=status, text=f"Alibaba and mobile payments: claim {key}.")
        claim.companies.set(companies)
        claim.topics.set(topics)
        claims[key] = claim
    retracted = make_claim(source, "retracted-alibaba", status="retracted", retraction_reason="Wrong.")
    retracted.companies.set([alibaba])
    claims["retracted-alibaba"] = retracted
    # One public pair; the others touch a draft or a retracted claim.
    ClaimRelation.objects.create(from_claim=claims["both-cloud"], to_claim=claims["alibaba-fintech"], type="supports")
    ClaimRelation.objects.create(from_claim=claims["draft-alibaba"], to_claim=claims["both-cloud"], type="updates")
    ClaimRelation.objects.create(from_claim=retracted, to_claim=claims["tencent-cloud"], type="contradicts")
    return claims


def keys(response):
    return sorted(row["key"] for row in response.json()["results"])


def test_api_lists_only_published_claims(client, corpus):
    assert keys(client.get("/api/claims/")) == ["alibaba-fintech", "both-cloud", "tencent-cloud"]
    for key in ("draft-alibaba", "review-alibaba"):
        assert client.get(f"/api/claims/{corpus[key].pk}/").status_code == 404
    # A retracted claim's detail is its retraction notice (tests/test_retractions.py).
    assert client.get(f"/api/claims/{corpus['retracted-alibaba'].pk}/").status_code == 410
    assert client.get(f"/api/claims/{corpus['both-cloud'].pk}/").json()["companies"] == ["alibaba", "tencent"]


def test_api_uses_the_html_filters(client, corpus):
    assert keys(client.get("/api/claims/?company=alibaba&company=tencent")) == ["both-cloud"]
    assert keys(client.get("/api/claims/?company=Alibaba")) == ["alibaba-fintech", "both-cloud"]  # names count
    assert keys(client.get("/api/claims/?company=%E8%85%BE%E8%AE%AF&topic=cloud-computing")) == [
        "both-cloud",
        "tencent-cloud",
    ]
    assert keys(client.get("/api/claims/?q=payments")) == ["alibaba-fintech", "both-cloud", "tencent-cloud"]


def test_api_rejects_bad_filters_with_reasons(client, corpus):
    response = client.get("/api/claims/?year=20x8")
    assert response.status_code == 400 and "year" in response.json()
    assert client.get("/api/claims/?after=garbage").status_code == 400
    assert client.get("/api/claims/?page_size=100000").status_code == 400


def test_api_cursor_pages_cover_everything_once(client, corpus):
    seen, url = [], "/api/claims/?page_size=1"
    while url:
        page = client.get(url).json()
        seen += [row["key"] for row in page["results"]]
        url = page["next"]
    assert sorted(seen) == ["alibaba-fintech", "both-cloud", "tencent-cloud"]


@pytest.mark.parametrize("path", ["/api/claims/", "/api/companies/"])
def test_api_pages_give_their_cursors_without_parsing_urls(client, corpus, path):
    """A client pages by passing `next_after` back as ?after= (and
    `previous_before` as ?before=), with its own filters, never parsing `next`."""
    everything = client.get(path).json()["results"]
    seen, after = [], None
    while True:
        page = client.get(path, {"page_size": 1, **({"after": after} if after else {})}).json()
        seen += page["results"]
        after = page["next_after"]
        if after is None:
            assert page["next"] is None
            break
        assert parse_qs(urlsplit(page["next"]).query)["after"] == [after]
    assert seen == everything and len(seen) >= 2
    back = client.get(path, {"page_size": 1, "before": page["previous_before"]}).json()
    assert back["results"] == everything[-2:-1]
    first = client.get(path, {"page_size": 1}).json()
    assert first["previous"] is None and first["previous_before"] is None


def test_the_schema_documents_the_cursors(client):
    schema = client.get("/api/schema/?format=json").json()
    page = schema["components"]["schemas"]["PaginatedClaimList"]
    assert {"next", "next_after", "previous", "previous_before", "results"} <= set(page["required"])
    assert page["properties"]["next_after"]["type"] == "string"
    assert "?after=" in page["properties"]["next_after"]["description"]
    after = parameter(schema, "/api/claims/", "after")
    assert "next_after" in after["description"]


def test_api_list_runs_constant_queries(client, corpus, source, alibaba):
    def count(url):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    small = count("/api/claims/?page_size=50")
    for i in range(40):
        make_claim(source, f"more-{i}").companies.add(alibaba)
    assert count("/api/claims/?page_size=50") == small


def test_relations_are_public_pairs_filtered_like_the_page(client, corpus):
    def listed(url):
        return [(r["from"]["key"], r["type"], r["to"]["key"]) for r in client.get(url).json()["results"]]

    assert listed("/api/relations/") == [("both-cloud", "supports", "alibaba-fintech")]
    assert listed("/api/relations/?company=tencent&type=supports") == [("both-cloud", "supports", "alibaba-fintech")]
    assert listed("/api/relations/?type=updates") == []
    # A company that is no company is a 400 naming it, as on /api/claims/.
    response = client.get("/api/relations/?company=nobody")
    assert response.status_code == 400 and response.json() == {"company": ["No company 'nobody'."]}
    assert client.get("/api/relations/?type=nonsense").status_code == 400
    assert [r["key"] for r in client.get(f"/api/claims/{corpus['both-cloud'].pk}/").json()["relations"]] == [
        "alibaba-fintech"
    ]


def test_sources_companies_topics(client, corpus):
    assert [s["key"] for s in client.get("/api/sources/").json()["results"]] == ["sacks-2018-disruptors"]
    assert [c["slug"] for c in client.get("/api/companies/").json()["results"]] == ["alibaba", "tencent"]
    assert {t["slug"] for t in client.get("/api/topics/").json()} == {"cloud-computing", "fintech"}


def test_openapi_schema_and_docs(client):
    schema = client.get("/api/schema/?format=json").json()
    assert schema["openapi"].startswith("3.")
    assert {"/api/claims/", "/api/sources/", "/api/companies/", "/api/topics/", "/api/relations/"} <= set(
        schema["paths"]
    )
    assert not {"/api/docs/", "/api/schema/"} & set(schema["paths"])  # pages, not operations
    docs = client.get("/api/docs/")
    assert docs.status_code == 200 and b"swagger-ui" in docs.content


# -- an unknown company, topic or source ----------------------------------------------


@pytest.mark.parametrize(
    "query, errors",
    [
        ("company=tiktok", {"company": ["No company 'tiktok'."]}),
        (
            "company=alibaba&company=tiktok&company=bytedance",
            {"company": ["No company 'tiktok'.", "No company 'bytedance'."]},
        ),
        ("topic=gaming", {"topic": ["No topic 'gaming'."]}),
        ("source=nobody-2020", {"source": ["No source 'nobody-2020'."]}),
        ("company=tiktok&topic=gaming", {"company": ["No company 'tiktok'."], "topic": ["No topic 'gaming'."]}),
    ],
)
def test_an_unknown_company_topic_or_source_is_a_400_naming_it(client, corpus, query, errors):
    response = client.get(f"/api/claims/?{query}")
    assert response.status_code == 400
    assert response.json() == errors
    # The HTML list keeps its own way: the unknown value shown as a filter, no claims.
    assert client.get(f"/?{query}").status_code == 200


def test_a_source_only_unpublished_claims_use_is_unknown_too(client, corpus, source):
    from claims.models import Source

    hidden = Source.objects.create(key="hidden-2020", kind=Source.Kind.REPORT, title="Hidden")
    make_claim(hidden, "draft-only", status="draft")
    assert client.get("/api/claims/?source=hidden-2020").json() == {"source": ["No source 'hidden-2020'."]}
    assert keys(client.get(f"/api/claims/?source={source.key}&company=tencent")) == ["both-cloud", "tencent-cloud"]


def test_every_list_taking_a_company_topic_or_source_refuses_unknown_ones(client, corpus):
    schema = client.get("/api/schema/?format=json").json()
    checked = []
    for path, operations in schema["paths"].items():
        names = {p["name"] for p in operations.get("get", {}).get("parameters", [])}
        for name in {"company", "topic", "source"} & names:
            response = client.get(path, {name: "no-such-thing"})
            assert response.status_code == 400, (path, name)
            assert response.json()[name] == [f"No {name} 'no-such-thing'."]
            checked.append((path, name))
    assert ("/api/claims/", "company") in checked


# -- the OpenAPI schema: valid, and saying what the API accepts ----------------------------


def parameter(schema, path, name):
    (found,) = [p for p in schema["paths"][path]["get"]["parameters"] if p["name"] == name]
    return found


def test_the_schema_is_valid_openapi(client):
    validate(client.get("/api/schema/?format=json").json())


def test_the_schema_types_a_period_as_the_api_reads_it(client, corpus):
    schema = client.get("/api/schema/?format=json").json()
    for name in ("period_from", "period_to"):
        period = parameter(schema, "/api/claims/", name)
        assert period["schema"]["type"] == "string" and "format" not in period["schema"], period
        assert "2018-03" in period["description"]
        pattern = re.compile(period["schema"]["pattern"])
        for value in ("2018", "2018-Q3", "2018-03", "2018-03-01"):
            assert pattern.search(value), value
            assert client.get("/api/claims/", {name: value}).status_code == 200, value
        for value in ("18", "2018-3", "March 2018", "2018-13"):
            assert not pattern.search(value), value
            assert client.get("/api/claims/", {name: value}).status_code == 400, value


@pytest.mark.parametrize("name, listed", [("company", "companies"), ("topic", "topics"), ("source", "sources")])
def test_the_schema_describes_company_topic_and_source(client, name, listed):
    documented = parameter(client.get("/api/schema/?format=json").json(), "/api/claims/", name)
    description = documented["description"]
    assert f"`/api/{listed}/`" in description and "400" in description, description
    assert documented["schema"] == {"type": "array", "items": {"type": "string"}}
    assert documented.get("explode", True) is True  # ?company=a&company=b
    # Its examples are values of the shipped corpus.
    examples = [value for value in re.findall(r"`([^`]+)`", description) if not set("/?") & set(value)]
    shipped = json.dumps([json.loads(path.read_text()) for path in FIXTURES.rglob("*.json")], ensure_ascii=False)
    assert examples and all(f'"{value}"' in shipped for value in examples), examples


# -- the front door (/api/) and the docs (/api/docs/) ------------------------------------


def test_the_api_root_lists_the_endpoints_and_links_the_docs(client, corpus):
    response = client.get("/api/")
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    root = response.json()
    assert root["docs"] == "http://testserver/api/docs/"
    assert root["schema"] == "http://testserver/api/schema/"
    assert {"claims", "sources", "companies", "topics"} <= set(root["endpoints"])
    for name, url in root["endpoints"].items():
        assert url == f"http://testserver/api/{name}/"
        assert client.get(url).status_code == 200, url
    assert client.get(root["docs"]).status_code == 200
    assert client.get(root["schema"]).status_code == 200
    # The front door is in the schema too, so that Schemathesis checks it.
    assert "/api/" in client.get("/api/schema/?format=json").json()["paths"]


class Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def test_the_docs_page_runs_under_the_csp(client, settings):
    """No inline script or style, which the site's CSP refuses; every script and
    stylesheet a static file. (tests/test_browser_api.py watches a real browser.)"""
    response = client.get("/api/docs/")
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    parser = Tags()
    parser.feed(response.content.decode())
    scripts = [attrs.get("src") for tag, attrs in parser.tags if tag == "script"]
    styles = [attrs["href"] for tag, attrs in parser.tags if tag == "link" and attrs.get("rel") == "stylesheet"]
    assert not [tag for tag, _ in parser.tags if tag == "style"]
    assert not [tag for tag, attrs in parser.tags if "style" in attrs or any(a.startswith("on") for a in attrs)]
    assert scripts and None not in scripts and styles
    for url in scripts + styles:
        assert url.startswith(("/" + settings.STATIC_URL, settings.STATIC_URL)), url
        assert "?" not in url, url


def test_the_docs_page_works_with_the_page_cache_on(client, settings):
    """The page cache sends a URL with a parameter no page reads to the URL
    without it: the docs must need no such URL (drf-spectacular's split view
    fetched its script from /api/docs/?script=)."""
    settings.PAGE_CACHE_SECONDS = 60
    response = client.get("/api/docs/")
    assert response.status_code == 200
    parser = Tags()
    parser.feed(response.content.decode())
    for tag, attrs in parser.tags:
        url = attrs.get("src") or (attrs.get("href") if tag == "link" else None) or attrs.get("data-schema-url")
        if url:
            assert client.get(url).status_code == 200, url


# -- Schemathesis: every operation, generated inputs, no 500s, responses match the schema --


api = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)


@pytest.fixture
def same_connection():
    """Schemathesis calls the WSGI application directly: keep Django from
    closing the test's database connection at the end of each request, as its
    own test client does."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@api.parametrize()
@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_schema(case, corpus, same_connection):
    # A schema cannot say which cursors the API issued, so a well-formed but
    # unknown cursor is refused; and an empty parameter (?year=) means "not
    # given", as in the HTML forms whose query strings the API accepts too.
    # Those two input checks are off; every response is still checked.
    case.call_and_validate(excluded_checks=[positive_data_acceptance, negative_data_rejection])
    assert Claim.objects.count() == 6  # read-only: nothing changed


def test_schema_is_valid_json(client):
    json.dumps(client.get("/api/schema/?format=json").json())


@pytest.mark.parametrize(
    "path", ["/api/claims/a.b/", "/api/claims/%14%0A.t2/", "/api/sources/x.y/", "/api/topics/.../"]
)
def test_unknown_ids_get_a_json_404(client, corpus, path):
    response = client.get(path)
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
