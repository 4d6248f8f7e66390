"""Tests for claims/admin/review.py: the editors' review queue and page,
sending a claim back with a note, and the curator seeing it."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from claims.ingest.sourcetexts import set_text
from claims.models import Claim, FullText

from .conftest import cite

pytestmark = pytest.mark.django_db

TEXT = "Intro.\n\nAlibaba's cloud revenue grew 62 percent in the 2019 fiscal year, the company said.\n"
QUOTE = "Alibaba's cloud revenue grew 62 percent in the 2019 fiscal year"
QUEUE = reverse("admin:claims_claim_review_queue")
NOTE = "Give the period as the fiscal year the source names."


@pytest.fixture
def held(source):
    set_text(source, TEXT, origin=FullText.Origin.PASTE)
    return source


def in_review(source, curator, key="cloud-growth", submitted=None, **fields):
    claim = Claim.objects.create(
        source=source,
        key=key,
        text=f"Alibaba's cloud revenue grew 62% in fiscal 2019 ({key}).",
        kind=Claim.Kind.FIGURE,
        value=62,
        unit="percent",
        metric="Alibaba cloud revenue growth",
        created_by=curator,
        **fields,
    )
    cite(claim=claim, source=source, quote=QUOTE, locator="para. 2")
    claim.submit(curator)
    if submitted:
        claim.submitted_at = submitted
    claim.save()
    return claim


def review_url(claim):
    return reverse("admin:claims_claim_review", args=[claim.pk])


def test_the_queue_lists_claims_in_review_oldest_first(client, editor, curator, held):
    now = timezone.now()
    newer = in_review(held, curator, "newer", submitted=now)
    older = in_review(held, curator, "older", submitted=now - datetime.timedelta(days=2))
    Claim.objects.create(source=held, key="a-draft", text="A draft.", kind=Claim.Kind.EVENT)
    client.force_login(editor)
    page = client.get(QUEUE).content.decode()
    assert page.index(review_url(older)) < page.index(review_url(newer))
    assert "2 claims waiting" in page and "a-draft" not in page
    assert "curator" in page  # who submitted them


def test_the_review_page_shows_each_quote_in_its_source(client, editor, curator, held):
    claim = in_review(held, curator)
    client.force_login(editor)
    page = client.get(review_url(claim)).content.decode()
    assert "Intro.\n\n<mark>Alibaba&#x27;s cloud revenue grew 62 percent in the 2019 fiscal year</mark>" in page
    assert ", the company said." in page
    assert "exact" in page and "62 percent" in page


def test_the_review_page_shows_what_other_sources_give_for_the_metric(client, editor, curator, held, report_source):
    other = Claim.objects.create(
        source=report_source,
        key="other-growth",
        text="Alibaba's cloud revenue grew 58% in 2019.",
        kind=Claim.Kind.FIGURE,
        value=58,
        unit="percent",
        metric="Alibaba cloud revenue growth",
        status=Claim.Status.PUBLISHED,
    )
    cite(claim=other, source=report_source, quote="revenue grew 58 percent", locator="p. 2")
    claim = in_review(held, curator)
    client.force_login(editor)
    page = client.get(review_url(claim)).content.decode()
    assert "58 percent" in page and report_source.key in page


def test_send_back_with_a_note_and_the_curator_sees_it(client, editor, curator, held):
    claim = in_review(held, curator)
    client.force_login(editor)
    response = client.post(review_url(claim), {"_send_back": "1", "note": NOTE})
    assert response.status_code == 302 and response["Location"] == QUEUE
    claim.refresh_from_db()
    assert claim.status == Claim.Status.DRAFT and claim.review_note == NOTE
    assert claim.history.first().review_note == NOTE  # kept in history
    client.force_login(curator)
    assert NOTE in client.get(reverse("admin:index")).content.decode()
    change_page = client.get(reverse("admin:claims_claim_change", args=[claim.pk])).content.decode()
    assert NOTE in change_page and "Sent back by editor" in change_page


def test_resubmitting_clears_the_note_but_history_keeps_it(client, editor, curator, held):
    claim = in_review(held, curator)
    claim.send_back(editor, NOTE)
    claim.save()
    claim.submit(curator)
    claim.save()
    assert claim.review_note == ""
    assert NOTE in [record.review_note for record in claim.history.all()]


def test_a_note_is_required_to_send_back(client, editor, curator, held):
    claim = in_review(held, curator)
    client.force_login(editor)
    page = client.post(review_url(claim), {"_send_back": "1", "note": "  "}).content.decode()
    assert "This field is required." in page
    claim.refresh_from_db()
    assert claim.status == Claim.Status.REVIEW


def test_publish_from_the_review_page(client, editor, curator, held):
    claim = in_review(held, curator)
    client.force_login(editor)
    assert client.post(review_url(claim), {"_publish": "1"}).status_code == 302
    claim.refresh_from_db()
    assert claim.status == Claim.Status.PUBLISHED


def test_an_unchecked_quote_is_not_published_from_the_review_page(client, editor, curator, held):
    claim = in_review(held, curator)
    set_text(held, "Another text entirely, with nothing of the quote.", origin=FullText.Origin.PASTE)
    client.force_login(editor)
    page = client.post(review_url(claim), {"_publish": "1"}, follow=True).content.decode()
    assert "Every quote must be checked against its source" in page
    claim.refresh_from_db()
    assert claim.status == Claim.Status.REVIEW


def test_curators_cannot_review(client, curator, held):
    claim = in_review(held, curator)
    client.force_login(curator)
    assert client.get(QUEUE).status_code == 403
    assert client.post(review_url(claim), {"_publish": "1"}).status_code == 403
    assert client.post(review_url(claim), {"_send_back": "1", "note": NOTE}).status_code == 403


def test_only_claims_in_review_are_sent_back(editor, curator, held):
    claim = in_review(held, curator)
    claim.publish(editor)
    claim.save()
    with pytest.raises(Exception, match="Only claims in review can be sent back"):
        claim.send_back(editor, NOTE)


def count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_queue_and_review_page_run_a_constant_number_of_queries(client, editor, curator, held):
    client.force_login(editor)
    claims = [in_review(held, curator, f"claim-{i}") for i in range(5)]
    few = count_queries(client, QUEUE), count_queries(client, review_url(claims[0]))
    for i in range(5, 200):
        in_review(held, curator, f"claim-{i}")
    many = count_queries(client, QUEUE), count_queries(client, review_url(claims[0]))
    assert few == many
    assert max(many) <= 10


@pytest.fixture
def report_source(db):
    from claims.models import Source

    source = Source.objects.create(key="other-report-2020", kind=Source.Kind.REPORT, title="Another report")
    set_text(source, "Alibaba's cloud revenue grew 58 percent in 2019.", origin=FullText.Origin.PASTE)
    return source
