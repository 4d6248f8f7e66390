"""Permalinks made of natural keys, and what a retracted claim's permalink
answers: the retraction notice (claims/public/retractions.py)."""

import datetime
import json
import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from claims.models import Claim, ClaimRelation, Source
from claims.public.retractions import retraction_date

from .conftest import make_claim
from .security_harness import change_data

pytestmark = pytest.mark.django_db


def text_of(response):
    return re.sub(r"\s+", " ", response.content.decode())


def retract(claim, editor, reason="The figure is the market's, not Alibaba's share."):
    claim.retract(editor, reason)
    claim.save()
    return claim


# -- permalinks ------------------------------------------------------------------------------------


def test_a_claims_permalink_is_made_of_its_keys(client, corpus):
    claim = corpus.market_2018
    assert claim.get_absolute_url() == "/claims/sacks-2018-disruptors/market-2018/"
    assert reverse("claims:claim-detail", args=["sacks-2018-disruptors", "market-2018"]) == claim.get_absolute_url()
    response = client.get(claim.get_absolute_url())
    assert response.status_code == 200 and claim.text in text_of(response)


def test_the_old_address_by_id_redirects_for_good(client, corpus):
    claim = corpus.market_2018
    response = client.get(f"/claims/{claim.pk}/")
    assert response.status_code == 301 and response["Location"] == claim.get_absolute_url()
    # A draft's or a review's id says nothing, not even its keys.
    for hidden in (corpus.draft, corpus.in_review):
        response = client.get(f"/claims/{hidden.pk}/")
        assert response.status_code == 404 and hidden.key not in text_of(response)
        assert client.get(f"/claims/{hidden.pk}/cite.bib").status_code == 404
    assert client.get("/claims/999999/").status_code == 404


def test_a_permalink_under_another_source_is_not_found(client, corpus):
    assert client.get(f"/claims/{corpus.danilin.key}/{corpus.market_2018.key}/").status_code == 404
    assert client.get(f"/claims/{corpus.draft.source.key}/{corpus.draft.key}/").status_code == 404


def test_a_published_claims_key_and_source_never_change(corpus, editor):
    for claim in (corpus.market_2018, corpus.retracted):
        claim.key = "renamed"
        with pytest.raises(ValidationError) as error:
            claim.save()
        assert "key" in error.value.message_dict and "permalink" in error.value.message_dict["key"][0]
        claim.refresh_from_db()
        claim.source = corpus.danilin
        with pytest.raises(ValidationError) as error:
            claim.full_clean()
        assert "source" in error.value.message_dict
    # A draft has no address yet: its key is the curator's to change.
    corpus.draft.key = "better-key"
    corpus.draft.full_clean()
    corpus.draft.save()


def test_the_admin_refuses_a_new_key_for_a_published_claim(client, editor, published_claim, source, alibaba, cloud):
    client.force_login(editor)
    change = reverse("admin:claims_claim_change", args=[published_claim.pk])
    response = client.post(change, {**change_data(published_claim, source, alibaba, cloud), "key": "new-key"})
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "The key 'published-one' cannot change" in errors["key"][0]
    published_claim.refresh_from_db()
    assert published_claim.key == "published-one"


def test_a_source_key_is_frozen_by_a_retracted_claim_too(source, editor):
    retract(make_claim(source, "only-claim"), editor)
    source.key = "renamed-source"
    with pytest.raises(ValidationError) as error:
        source.save()
    assert "permalink" in error.value.message_dict["key"][0]
    assert Source.objects.filter(key="sacks-2018-disruptors").exists()


# -- the retraction notice -------------------------------------------------------------------------


def test_a_retracted_claims_permalink_answers_410_with_the_notice(client, corpus, editor):
    claim = retract(corpus.market_2017, editor)
    assert claim.retracted_by == editor and claim.retracted_at is not None
    for url in (claim.get_absolute_url(), f"/claims/{claim.pk}/"):
        response = client.get(url)
        assert response.status_code == 410, url
        page = text_of(response)
        assert "Retracted claim" in page and escape(claim.text) in page
        assert "The figure is the market&#x27;s, not Alibaba&#x27;s share." in page
        assert f'datetime="{claim.retracted_at.isoformat()}"' in page
        assert f'<link rel="canonical" href="{claim.get_absolute_url()}">' in page
        # Its evidence backs nothing now: no quote, no check, no citation record.
        for citation in claim.citations.all():
            assert citation.quote not in page and citation.locator not in page
        assert "verified" not in page.lower() and "checked" not in page.lower()
        assert "cite." not in page
    assert client.get(f"{claim.get_absolute_url()}cite.bib").status_code == 404
    assert client.get(f"/claims/{claim.pk}/cite.bib").status_code == 404


def test_the_notice_links_the_published_claims_that_update_it(client, corpus, editor):
    claim = retract(corpus.market_2017, editor)
    ClaimRelation.objects.create(from_claim=corpus.market_2018, to_claim=claim, type=ClaimRelation.Type.UPDATES)
    ClaimRelation.objects.create(from_claim=corpus.rivalry, to_claim=claim, type=ClaimRelation.Type.SUPPORTS)
    ClaimRelation.objects.create(from_claim=corpus.draft, to_claim=claim, type=ClaimRelation.Type.UPDATES)
    page = text_of(client.get(claim.get_absolute_url()))
    assert f'<a href="{corpus.market_2018.get_absolute_url()}">{escape(corpus.market_2018.text)}</a>' in page
    assert corpus.rivalry.get_absolute_url() not in page  # supports, not updates
    assert corpus.draft.text not in page


def test_the_notice_runs_a_fixed_number_of_queries(client, corpus, editor, django_assert_max_num_queries):
    claim = retract(corpus.market_2017, editor)
    for n in range(20):
        updater = make_claim(corpus.danilin, f"update-{n}")
        ClaimRelation.objects.create(from_claim=updater, to_claim=claim, type=ClaimRelation.Type.UPDATES)
    with django_assert_max_num_queries(8):
        response = client.get(claim.get_absolute_url())
    assert response.status_code == 410 and text_of(response).count("/claims/danilin-2020-covid/update-") == 20


def test_a_claim_retracted_before_the_date_was_recorded_takes_it_from_its_history(client, corpus):
    claim = corpus.market_2017
    claim.status, claim.retraction_reason = Claim.Status.RETRACTED, "An old retraction."
    claim.save()  # as Claim.retract() did before it recorded the date
    assert claim.retracted_at is None
    recorded = claim.history.filter(status=Claim.Status.RETRACTED).get().history_date
    assert retraction_date(claim) == recorded
    assert f'datetime="{recorded.isoformat()}"' in text_of(client.get(claim.get_absolute_url()))


def test_a_claim_loaded_retracted_says_its_date_is_not_recorded(client, corpus):
    assert retraction_date(corpus.retracted) is None
    response = client.get(corpus.retracted.get_absolute_url())
    assert response.status_code == 410 and "(date not recorded)" in text_of(response)
    assert "Misread the source." in text_of(response)


def test_retracted_claims_stay_out_of_every_list_count_export_and_api_list(client, corpus, editor):
    claim = retract(corpus.market_2017, editor)
    words = "5.5 trillion"
    for url in (
        "/",
        "/?q=trillion",
        "/?show=company&show=topic&show=source&show=kind&show=year",
        "/sources/danilin-2020-covid/",
        "/companies/alibaba/",
        "/topics/mobile-payments/",
        "/disagreements/",
        "/claims.csv",
        "/claims.json?q=trillion",
        "/claims.jsonl",
        "/api/claims/",
        "/api/claims/?q=trillion",
        "/sitemap-claims.xml",
    ):
        response = client.get(url)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        assert response.status_code == 200 and words not in body.decode(), url
    assert claim.get_absolute_url() not in client.get("/sitemap-claims.xml").content.decode()
    assert Claim.objects.public().filter(pk=claim.pk).count() == 0
    # Ant Financial's one public claim was this one: the company is public no more.
    assert client.get("/companies/ant-financial/").status_code == 404


def test_the_api_detail_of_a_retracted_claim_is_its_notice(client, corpus, editor):
    claim = retract(corpus.market_2017, editor)
    ClaimRelation.objects.create(from_claim=corpus.market_2018, to_claim=claim, type=ClaimRelation.Type.UPDATES)
    response = client.get(f"/api/claims/{claim.pk}/")
    assert response.status_code == 410 and response["Content-Type"] == "application/json"
    data = json.loads(response.content)
    assert data["status"] == "retracted" and data["text"] == claim.text
    assert data["reason"] == "The figure is the market's, not Alibaba's share."
    assert data["url"] == "http://testserver/claims/danilin-2020-covid/market-2017/"
    assert data["updated_by"] == ["http://testserver/claims/sacks-2018-disruptors/market-2018/"]
    assert datetime.datetime.fromisoformat(data["retracted_at"].replace("Z", "+00:00")) == claim.retracted_at
    assert "citations" not in data
    for hidden in (corpus.draft, corpus.in_review):
        assert client.get(f"/api/claims/{hidden.pk}/").status_code == 404
    # A published claim's API entry carries its permalink.
    published = client.get(f"/api/claims/{corpus.market_2018.pk}/").json()
    assert published["url"] == "http://testserver/claims/sacks-2018-disruptors/market-2018/"


def test_the_admin_retraction_is_recorded_and_shown(client, editor, published_claim):
    client.force_login(editor)
    before = timezone.now()
    client.post(
        reverse("admin:claims_claim_changelist"),
        {"action": "retract", "_selected_action": [published_claim.pk], "reason": "Misquoted the CEO."},
    )
    published_claim.refresh_from_db()
    assert published_claim.retracted_by == editor and published_claim.retracted_at >= before
    page = client.get(reverse("admin:claims_claim_change", args=[published_claim.pk])).content.decode()
    assert "retracted: editor" in page
    client.logout()
    notice = client.get(published_claim.get_absolute_url())
    assert notice.status_code == 410 and "Misquoted the CEO." in text_of(notice)
