"""The shared cache fails open for readers (every public page still answers)
and closed for changes (a change whose corpus version cannot move is refused)."""

import uuid

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from claims.models import Claim

from .fixturefiles import fixture_tree

# A port nothing listens on: Redis "down" without touching the shared server.
UNREACHABLE = {
    "default": {
        "BACKEND": "corpus_site.cache.FailOpenRedisCache",
        "LOCATION": "redis://127.0.0.1:9/0",
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 1.0},
    }
}

pytestmark = pytest.mark.django_db


@pytest.fixture
def cache_down(settings):
    settings.CACHES = UNREACHABLE
    settings.PAGE_CACHE_SECONDS = 600


def test_every_public_page_answers_with_the_cache_down(client, corpus, cache_down):
    claim = corpus.market_2018
    for url in (
        "/",
        "/?company=alibaba&kind=figure",
        "/?q=payments",
        "/coverage/",
        "/disagreements/",
        claim.get_absolute_url(),
        "/sources/",
        corpus.sacks.get_absolute_url(),
        "/companies/",
        "/topics/",
        "/api/claims/",
        "/claims.csv",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "X-Page-Cache" not in response
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["cache"].startswith("down") and response.json()["status"] == "ok"


def test_healthz_says_when_the_cache_is_up(client):
    # The test settings' cache is per process: reported, never failing.
    assert client.get("/healthz").json()["cache"] == "per process"


def test_a_load_with_the_cache_down_is_refused_and_changes_nothing(tmp_path, cache_down):
    fixtures, texts = fixture_tree(tmp_path)
    with pytest.raises(CommandError, match="the shared cache .CACHE_URL. is unreachable"):
        call_command("load_corpus", str(fixtures), f"--texts={texts}", verbosity=0)
    assert not Claim.objects.exists()


def test_an_admin_change_with_the_cache_down_is_refused(client, editor, corpus, cache_down):
    claim = corpus.market_2018
    client.force_login(editor)
    client.raise_request_exception = False
    response = client.post(
        "/admin/claims/claim/", {"action": "retract", "_selected_action": [claim.pk], "reason": "Wrong."}
    )
    assert response.status_code == 503
    assert b"Nothing of this request was saved" in response.content
    claim.refresh_from_db()
    assert claim.status == Claim.Status.PUBLISHED


@pytest.fixture
def shared_redis(settings):
    import redis

    url = "redis://127.0.0.1:6379/14"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=0.5).ping()
    except redis.RedisError as error:
        pytest.skip(f"no Redis at {url}: {error}")
    prefix = f"test-{uuid.uuid4().hex}"
    settings.CACHES = {"default": {**UNREACHABLE["default"], "LOCATION": url, "KEY_PREFIX": prefix}}
    yield
    server = redis.Redis.from_url(url)
    server.delete(*server.keys(f"{prefix}:*") or ["none"])


def test_with_redis_up_pages_are_cached_and_a_change_is_seen_at_once(client, editor, corpus, shared_redis, settings):
    settings.PAGE_CACHE_SECONDS = 600
    assert client.get("/healthz").json()["cache"] == "ok"
    url = corpus.market_2018.get_absolute_url()
    assert client.get(url).status_code == 200
    assert client.get(url)["X-Page-Cache"] == "hit"
    client.force_login(editor)
    client.post(
        "/admin/claims/claim/", {"action": "retract", "_selected_action": [corpus.market_2018.pk], "reason": "x"}
    )
    client.logout()
    assert client.get(url).status_code == 410  # the retraction notice, never the cached page
