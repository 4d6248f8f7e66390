"""sitemap.xml lists every public page, and nothing else."""

import xml.etree.ElementTree as ET

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from claims.models import Claim, Topic

from .conftest import add_published_claims

pytestmark = pytest.mark.django_db

NS = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}


def locations(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    assert response["Content-Type"].startswith("application/xml")
    return [loc.text for loc in ET.fromstring(response.content).findall(".//sm:loc", NS)]


def every_listed_url(client):
    urls = []
    for section in locations(client, "/sitemap.xml"):
        urls += locations(client, section.removeprefix("http://testserver"))
    return {url.removeprefix("http://testserver") for url in urls}


def test_the_sitemap_lists_every_public_page_and_nothing_else(client, corpus):
    listed = every_listed_url(client)
    public = {claim.get_absolute_url() for claim in Claim.objects.public()}
    assert public <= listed
    assert not {claim.get_absolute_url() for claim in corpus.unpublished} & listed
    assert {corpus.sacks.get_absolute_url(), corpus.alibaba.get_absolute_url()} <= listed
    assert {topic.get_absolute_url() for topic in Topic.objects.public()} <= listed
    # Only unpublished claims come from or are about these:
    assert corpus.hidden_source.get_absolute_url() not in listed
    assert corpus.hidden_company.get_absolute_url() not in listed
    assert corpus.hidden_topic.get_absolute_url() not in listed


def test_a_retracted_claim_leaves_the_sitemap(client, corpus):
    url = corpus.market_2018.get_absolute_url()
    assert url in every_listed_url(client)
    corpus.market_2018.status = Claim.Status.RETRACTED
    corpus.market_2018.retraction_reason = "Test."
    corpus.market_2018.save()
    assert url not in every_listed_url(client)


def test_sections_are_split_and_run_constant_queries(client, corpus, monkeypatch):
    monkeypatch.setattr("claims.public.sitemaps.PublicSitemap.limit", 2)
    sections = locations(client, "/sitemap.xml")
    published = Claim.objects.public().count()
    assert sum("sitemap-claims.xml" in url for url in sections) == (published + 1) // 2

    def queries(url):
        with CaptureQueriesContext(connection) as captured:
            client.get(url)
        return len(captured)

    small = queries("/sitemap-claims.xml?p=2")
    add_published_claims(corpus, 20)
    assert queries("/sitemap-claims.xml?p=2") == small
    assert len(locations(client, "/sitemap-claims.xml?p=2")) == 2


def test_an_unknown_section_is_404(client, corpus):
    assert client.get("/sitemap-secrets.xml").status_code == 404
    assert client.post("/sitemap.xml").status_code == 405
