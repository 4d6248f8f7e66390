"""Tests for claims/admin/reading.py: a source's text in the admin, with its
claims highlighted, and a new claim from a passage."""

import html
import re
from urllib.parse import parse_qs, urlparse

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from claims.ingest.sourcetexts import set_text
from claims.models import Claim, FullText, Source

from .conftest import cite

pytestmark = pytest.mark.django_db

TEXT = (
    "Cloud markets in China.\n\n"
    "Alibaba's share of China's cloud market did not slip in 2019, its executives said.\n\n"
    "Tencent held second place, and Huawei was growing fast.\n\n"
    "Baidu & Kingsoft <b>trailed</b> far behind the leaders.\n"
)
QUOTE = "Alibaba's share of China's cloud market did not slip in 2019"


@pytest.fixture
def held(source):
    set_text(source, TEXT, origin=FullText.Origin.PASTE)
    return source


def claim_on(source, key, quote, status=Claim.Status.DRAFT):
    claim = Claim.objects.create(
        source=source, key=key, text=f"Claim {key}.", kind=Claim.Kind.ASSESSMENT, status=status
    )
    cite(claim=claim, source=source, quote=quote, locator="para. 2")
    return claim


def read_url(source, **params):
    url = reverse("admin:claims_source_read", args=[source.pk])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else "")


def test_the_text_is_shown_with_each_quote_linked_to_its_claim(client, curator, held):
    claim = claim_on(held, "cloud-share", QUOTE, status=Claim.Status.REVIEW)
    client.force_login(curator)
    page = client.get(read_url(held)).content.decode()
    link = re.search(r'<a class="quote status-review" id="citation-\d+" href="([^"]+)"[^>]*>([^<]+)</a>', page)
    assert link, page
    assert link.group(1) == reverse("admin:claims_claim_change", args=[claim.pk])
    assert html.unescape(link.group(2)) == QUOTE
    assert "3 of 4 paragraphs have no claim yet" in page
    # Text from the source is escaped, never markup.
    assert "Baidu &amp; Kingsoft &lt;b&gt;trailed&lt;/b&gt;" in page


def test_quotes_are_coloured_by_their_claims_status(client, curator, held):
    claim_on(held, "tencent", "Tencent held second place", status=Claim.Status.PUBLISHED)
    claim_on(held, "huawei", "Huawei was growing fast", status=Claim.Status.DRAFT)
    client.force_login(curator)
    page = client.get(read_url(held)).content.decode()
    assert 'class="quote status-published"' in page and 'class="quote status-draft"' in page
    assert "2 of 4 paragraphs have no claim yet" not in page  # both quotes are in one paragraph
    assert "3 of 4 paragraphs have no claim yet" in page
    assert "para. 3 · 2 claims" in page


def test_unclaimed_paragraphs_link_to_each_other(client, curator, held):
    claim_on(held, "cloud-share", QUOTE)
    client.force_login(curator)
    page = client.get(read_url(held)).content.decode()
    assert 'id="para-1"' in page and 'href="#para-3">next without a claim' in page
    assert 'href="#para-1">previous without a claim' in page


def test_search_within_the_text(client, curator, held):
    client.force_login(curator)
    page = client.get(read_url(held, q="huawei")).content.decode()
    assert '<mark class="search-hit">Huawei</mark>' in page
    assert "1 paragraph with “huawei”" in page


def test_each_paragraph_offers_a_new_claim_without_javascript(client, curator, held):
    client.force_login(curator)
    page = client.get(read_url(held)).content.decode()
    links = re.findall(r'<a class="new-claim" href="([^"]+)"', page)
    assert len(links) == 4
    query = parse_qs(urlparse(html.unescape(links[1])).query)
    assert query["source"] == [str(held.pk)] and query["locator"] == ["para. 2"]
    assert query["quote"] == ["Alibaba's share of China's cloud market did not slip in 2019, its executives said."]


def test_the_add_form_opens_with_the_passage_filled_in(client, curator, held):
    client.force_login(curator)
    url = reverse("admin:claims_claim_add")
    response = client.get(url, {"source": held.pk, "quote": QUOTE, "locator": "para. 2"})
    page = response.content.decode()
    assert html.escape(QUOTE) in page  # in the first citation's quote box
    assert 'name="citations-0-locator" value="para. 2"' in page
    assert re.search(rf'<option value="{held.pk}" selected>', page)
    assert "The passage is in the source&#x27;s text (exact)" in page


def test_pages_come_from_the_page_map(client, curator, source):
    text = "First page words about Alibaba cloud.\n\nSecond page words about Tencent games.\n"
    set_text(source, text, origin=FullText.Origin.PASTE, page_map=[[0, "781"], [text.index("Second"), "782"]])
    client.force_login(curator)
    page = client.get(read_url(source)).content.decode()
    assert "p. 781" in page and "p. 782" in page
    links = [html.unescape(link) for link in re.findall(r'<a class="new-claim" href="([^"]+)"', page)]
    assert parse_qs(urlparse(links[1]).query)["locator"] == ["p. 782"]


def test_a_source_without_text_says_how_to_give_it_one(client, curator, source):
    client.force_login(curator)
    assert "This source has no text yet" in client.get(read_url(source)).content.decode()


def test_the_reading_page_is_linked_from_the_source_and_each_citation(client, editor, held):
    claim = claim_on(held, "cloud-share", QUOTE)
    client.force_login(editor)
    source_page = client.get(reverse("admin:claims_source_change", args=[held.pk])).content.decode()
    assert read_url(held) in source_page
    claim_page = client.get(reverse("admin:claims_claim_change", args=[claim.pk])).content.decode()
    citation = claim.citations.get()
    assert f"{read_url(held)}#citation-{citation.pk}" in claim_page


def test_only_staff_read_a_source(client, held):
    response = client.get(read_url(held))
    assert response.status_code == 302 and "/login/" in response["Location"]


def many_claims(source, n, start=0):
    for i in range(start, start + n):
        claim_on(source, f"claim-{i}", QUOTE if i % 2 else "Tencent held second place", status=Claim.Status.DRAFT)


def queries_of(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), response.content.decode()


def test_the_reading_page_runs_a_constant_number_of_queries(client, curator, held):
    client.force_login(curator)
    many_claims(held, 5)
    few, page = queries_of(client, read_url(held))
    assert "5 claims cite this source" in page
    many_claims(held, 195, start=5)
    many, page = queries_of(client, read_url(held))
    assert "200 claims cite this source" in page
    assert few == many <= 8


def test_a_source_with_another_source_s_claims_reads_them_too(client, curator, held):
    other = Source.objects.create(key="other-2020", kind=Source.Kind.REPORT, title="Other")
    claim = Claim.objects.create(source=other, key="cites-held", text="Cites held.", kind=Claim.Kind.ASSESSMENT)
    cite(claim=claim, source=held, quote="Tencent held second place", locator="para. 3")
    client.force_login(curator)
    page = client.get(read_url(held)).content.decode()
    assert reverse("admin:claims_claim_change", args=[claim.pk]) in page
