"""robots.txt, and what every public page tells a search engine in its
<head>: a meta description and one canonical address."""

import re
from html import unescape

import pytest
from django.test import override_settings
from django.urls import reverse

from claims.models import metric_slug

from .security_harness import PUBLIC_ROUTES, filled_urls

pytestmark = pytest.mark.django_db


def robots(client):
    response = client.get("/robots.txt")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/plain")
    return response.content.decode().splitlines()


def test_robots_points_to_the_sitemap_by_its_absolute_url(client, corpus):
    lines = robots(client)
    assert "Sitemap: http://testserver/sitemap.xml" in lines
    assert client.get("/sitemap.xml").status_code == 200


def test_robots_keeps_crawlers_out_of_the_admin_api_and_filtered_downloads(client):
    lines = robots(client)
    assert lines[0] == "User-agent: *"
    for rule in ("/admin/", "/api/", "/*.csv?", "/*.json?", "/*.jsonl?", "/*.atom?", "/*?after=", "/*&sort="):
        assert f"Disallow: {rule}" in lines, rule
    # The site's pages themselves are open.
    assert "Disallow: /" not in lines


@override_settings(ADMIN_URL="back-office-7f3a/")
def test_robots_does_not_publish_a_moved_admin(client):
    assert not any("back-office" in line for line in robots(client))


def head_of(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    html = response.content.decode()
    head = html[: html.index("</head>")]
    canonical = re.findall(r'<link rel="canonical" href="([^"]*)">', head)
    description = re.findall(r'<meta name="description" content="([^"]*)">', head)
    return canonical, [unescape(d) for d in description]


def html_pages(corpus):
    """Every public HTML page of the corpus, from the resolver."""
    values = {
        "claim": [corpus.market_2018.pk],
        "claim_key": [corpus.market_2018.key],
        "metric": [metric_slug(corpus.market_2018.metric)],
        "source": [corpus.sacks.key],
        "company": [corpus.alibaba.slug],
        "topic": [corpus.fintech.slug],
        "format": ["csv"],
        "any": [corpus.market_2018.pk, corpus.sacks.key, corpus.alibaba.slug, corpus.fintech.slug],
    }
    for route in PUBLIC_ROUTES:
        if route.name.startswith("claims:") and route.name.endswith(("-list", "-detail", "coverage", "disagreements")):
            yield from filled_urls(route, values)


def test_every_public_page_has_one_description_and_one_canonical_link(client, corpus):
    pages = list(html_pages(corpus))
    assert len(pages) >= 10
    for url in pages:
        canonical, description = head_of(client, url)
        assert len(canonical) == 1 and canonical[0].startswith("http://testserver/"), url
        assert len(description) == 1 and 20 <= len(description[0]) <= 160, (url, description)


def test_a_claims_canonical_link_is_its_permalink_and_its_description_its_words(client, corpus):
    claim = corpus.market_2018
    canonical, description = head_of(client, claim.get_absolute_url())
    assert canonical == [f"http://testserver{claim.get_absolute_url()}"]
    assert description == [claim.text]


def test_a_lists_canonical_link_keeps_its_filters_and_drops_paging_and_sorting(client, corpus):
    url = reverse("claims:claim-list")
    noisy = f"{url}?topic=fintech&after=abc&sort=oldest&show=company&company=alibaba&page_size=5&zz=1"
    response = client.get(noisy, follow=True)
    html = response.content.decode()
    (canonical,) = re.findall(r'<link rel="canonical" href="([^"]*)">', html)
    assert unescape(canonical) == "http://testserver/?company=alibaba&topic=fintech"
    canonical, _ = head_of(client, reverse("claims:company-list") + "?after=xyz")
    assert canonical == ["http://testserver/companies/"]


def test_a_companys_description_is_its_own_when_it_has_one(client, corpus):
    corpus.alibaba.description = "Chinese e-commerce and cloud group."
    corpus.alibaba.save()
    _, description = head_of(client, corpus.alibaba.get_absolute_url())
    assert description == ["Chinese e-commerce and cloud group."]
    _, description = head_of(client, corpus.tencent.get_absolute_url())
    assert "Tencent" in description[0]
