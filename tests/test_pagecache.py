"""The anonymous page cache: keyed on the canonical request, so that junk
parameters and their order never mint entries of their own."""

import pytest
from django.core.cache import cache

from .conftest import make_claim


@pytest.fixture
def page_cache(settings):
    settings.PAGE_CACHE_SECONDS = 600
    cache.clear()


def entries():
    return len(cache._cache)  # the tests' per-process cache


@pytest.mark.django_db
def test_junk_parameters_redirect_to_the_page_without_them_and_make_no_entries(client, corpus, page_cache):
    url = corpus.market_2018.get_absolute_url()
    client.get(url)
    client.get("/?company=alibaba&kind=figure")
    before = entries()
    for n in range(20):
        response = client.get(f"{url}?zz={n}")
        assert response.status_code == 301 and response["Location"] == url
        response = client.get(f"/?company=alibaba&zz={n}&kind=figure&utm_source=x")
        assert response.status_code == 301 and response["Location"] == "/?company=alibaba&kind=figure"
    assert entries() == before


@pytest.mark.django_db
def test_the_order_of_parameters_does_not_make_another_entry(client, corpus, page_cache):
    assert client.get("/?company=alibaba&kind=figure").status_code == 200
    response = client.get("/?kind=figure&company=alibaba")
    assert response["X-Page-Cache"] == "hit"


@pytest.mark.django_db
def test_junk_never_mints_facet_counts_for_logged_in_readers_either(client, corpus, editor, page_cache):
    client.force_login(editor)  # not served from the page cache
    client.get("/?company=alibaba")
    before = entries()
    for n in range(5):
        assert client.get(f"/?company=alibaba&zz={n}").status_code == 200
    assert entries() == before


@pytest.mark.django_db
def test_anonymous_pages_are_cached_until_the_corpus_changes(client, settings, source, editor):
    settings.PAGE_CACHE_SECONDS = 60
    make_claim(source, "one", text="The first published claim.")
    in_review = make_claim(source, "two", status="review", text="A claim still in review.")
    first = client.get("/")
    assert "X-Page-Cache" not in first
    again = client.get("/")
    assert again["X-Page-Cache"] == "hit" and again.content == first.content
    in_review.publish(editor)
    in_review.save()
    after = client.get("/")
    assert "X-Page-Cache" not in after and "A claim still in review." in after.content.decode()


@pytest.mark.django_db
def test_logged_in_users_and_the_admin_are_never_served_cached_pages(client, settings, source, editor):
    settings.PAGE_CACHE_SECONDS = 60
    make_claim(source, "one")
    client.get("/")
    client.force_login(editor)
    assert "X-Page-Cache" not in client.get("/")
    assert "X-Page-Cache" not in client.get("/admin/claims/claim/")
