import json

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections, connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import negative_data_rejection, positive_data_acceptance

from claims.models import Claim, ClaimRelation, Company, Topic
from corpus_site.wsgi import application

from .conftest import make_claim

pytestmark = pytest.mark.django_db


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
    assert listed("/api/relations/?type=updates") == listed("/api/relations/?company=nobody") == []
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
    docs = client.get("/api/docs/")
    assert docs.status_code == 200 and b"swagger-ui" in docs.content


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
