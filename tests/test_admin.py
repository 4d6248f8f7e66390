import pytest
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from claims.ingest.sourcetexts import set_text
from claims.models import Author, Citation, Claim, ClaimRelation, Company, Source, Topic

from .conftest import cite, make_claim

pytestmark = pytest.mark.django_db

# The most queries any admin page may run, whatever the number of rows (the
# claim page runs its editorial checks: companies, page map, relations, siblings).
MAX_ADMIN_QUERIES = 24


def build_rows(start, n):
    """n more rows of every model, each claim with companies, topics, two citations and a relation."""
    first = Source.objects.order_by("pk").first()
    for i in range(start, start + n):
        company = Company.objects.create(name=f"Company {i}", slug=f"company-{i}")
        topic = Topic.objects.create(name=f"Topic {i}", slug=f"topic-{i}")
        source = Source.objects.create(key=f"source-{i}", kind="report", title=f"Source {i}")
        Author.objects.create(source=source, position=0, family=f"Author{i}", given="A.")
        Author.objects.create(source=source, position=1, organisation=f"Org {i}")
        claim = make_claim(source, f"claim-{i}", status=Claim.Status.DRAFT if i % 2 else Claim.Status.PUBLISHED)
        claim.companies.add(company, Company.objects.order_by("pk").first())
        claim.topics.add(topic)
        cite(claim=claim, source=first or source, quote=f"Second quote {i}.", locator="p. 2")
        if first:
            ClaimRelation.objects.create(from_claim=claim, to_claim=first.claims.get(), type="supports")
        first = first or source


def admin_pages():
    pages = []
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label == "claims":
            pages += [(model, "changelist"), (model, "change")]
            if model is not Citation:  # citations are added on their claim only
                pages.append((model, "add"))
            if hasattr(model_admin, "history_view"):
                pages.append((model, "history"))
    return pages


def page_url(model, kind):
    name = f"admin:claims_{model._meta.model_name}_{kind}"
    if kind in ("change", "history"):
        return reverse(name, args=[model.objects.order_by("pk").last().pk])
    return reverse(name)


@pytest.mark.parametrize("model, kind", admin_pages(), ids=lambda v: getattr(v, "__name__", v))
def test_every_admin_page_runs_constant_queries(client, editor, model, kind, django_assert_max_num_queries):
    client.force_login(editor)
    counts = []
    for start, n in ((0, 5), (5, 45)):
        build_rows(start, n)
        url = page_url(model, kind)
        client.get(url)  # warm per-process caches (content types, permissions)
        with django_assert_max_num_queries(MAX_ADMIN_QUERIES), CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200, url
        counts.append(len(queries))
    assert counts[0] == counts[1], f"{url}: {counts[0]} queries with 5 rows, {counts[1]} with 50"


# -- the curator -> editor workflow, through the admin as a person uses it -------------------


def claim_form(source, company, topic, **overrides):
    data = {
        "source": source.pk,
        "key": "alibaba-cloud-share-2019",
        "text": "Alibaba held about 43% of China's public cloud market in 2019.",
        "kind": "figure",
        "companies": [company.pk],
        "topics": [topic.pk],
        "period": "2019",
        "value": "43",
        "value_qualifier": "approx",
        "unit": "percent",
        "scale": "one",
        "metric": "Alibaba cloud market share in China",
        "speaker": "",
        "notes": "",
        "citations-TOTAL_FORMS": "1",
        "citations-INITIAL_FORMS": "0",
        "citations-MIN_NUM_FORMS": "0",
        "citations-MAX_NUM_FORMS": "1000",
        "citations-0-source": source.pk,
        "citations-0-quote": "Alibaba controls 43 percent of the cloud market.",
        "citations-0-locator": "section: Cloud",
        "relations_from-TOTAL_FORMS": "0",
        "relations_from-INITIAL_FORMS": "0",
        "relations_from-MIN_NUM_FORMS": "0",
        "relations_from-MAX_NUM_FORMS": "1000",
    }
    data.update(overrides)
    return data


def test_curator_creates_and_submits_then_editor_publishes(client, curator, editor, source, alibaba, cloud):
    set_text(source, "On clouds. Alibaba controls 43 percent of the cloud market. Tencent follows.", origin="paste")
    client.force_login(curator)
    response = client.post(reverse("admin:claims_claim_add"), claim_form(source, alibaba, cloud))
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else response
    claim = Claim.objects.get(key="alibaba-cloud-share-2019")
    assert claim.status == Claim.Status.DRAFT and claim.created_by == curator
    assert claim.citations.count() == 1

    change_url = reverse("admin:claims_claim_change", args=[claim.pk])
    data = claim_form(
        source, alibaba, cloud, **{"citations-INITIAL_FORMS": "1", "citations-0-id": claim.citations.get().pk}
    )
    response = client.post(change_url, {**data, "_submit": "1"})
    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.status == Claim.Status.REVIEW and claim.submitted_by == curator

    client.force_login(editor)
    changelist = reverse("admin:claims_claim_changelist")
    response = client.post(changelist, {"action": "publish", "_selected_action": [claim.pk]}, follow=True)
    assert "1 claim(s) published." in response.content.decode()
    claim.refresh_from_db()
    assert claim.status == Claim.Status.PUBLISHED and claim.published_by == editor

    history = client.get(reverse("admin:claims_claim_history", args=[claim.pk])).content.decode()
    assert "curator" in history and "editor" in history
    users = list(claim.history.order_by("history_date").values_list("history_user__username", "status"))
    assert ("curator", "draft") in users and ("curator", "review") in users and ("editor", "published") in users


def test_curator_cannot_publish_with_crafted_posts(client, curator, source, alibaba, cloud):
    claim = make_claim(source, "draft-claim", status=Claim.Status.DRAFT)
    client.force_login(curator)
    changelist = reverse("admin:claims_claim_changelist")
    # 1. The publish action is not offered, and posting it anyway does nothing.
    page = client.get(changelist).content.decode()
    assert 'value="publish"' not in page and 'value="submit_for_review"' in page
    client.post(changelist, {"action": "publish", "_selected_action": [claim.pk]})
    # 2. The change form ignores a status field and refuses the publish button.
    change_url = reverse("admin:claims_claim_change", args=[claim.pk])
    citation = claim.citations.get()
    data = claim_form(
        source,
        alibaba,
        cloud,
        key="draft-claim",
        status="published",
        **{"citations-INITIAL_FORMS": "1", "citations-0-id": citation.pk, "citations-0-quote": citation.quote},
    )
    client.post(change_url, data)
    response = client.post(change_url, {**data, "_publish": "1"})
    assert response.status_code == 403
    claim.refresh_from_db()
    assert claim.status == Claim.Status.DRAFT
    # 3. Retraction is an editor's action too.
    client.post(changelist, {"action": "retract", "_selected_action": [claim.pk], "reason": "x"})
    claim.refresh_from_db()
    assert claim.status == Claim.Status.DRAFT


def test_curator_edits_drafts_only(client, curator, source):
    in_review = make_claim(source, "in-review", status=Claim.Status.REVIEW)
    client.force_login(curator)
    page = client.get(reverse("admin:claims_claim_change", args=[in_review.pk])).content.decode()
    assert 'name="_save"' not in page  # read-only view


def test_editor_sees_quotes_in_context(client, editor, published_claim, source):
    set_text(source, "Some text before the Quote for published-one. and after it. The end.", origin="paste")
    client.force_login(editor)
    page = client.get(reverse("admin:claims_claim_change", args=[published_claim.pk])).content.decode()
    assert "Some text before the <mark>Quote for published-one.</mark> and after it. The end." in page
    assert "exact" in page


def test_publish_without_citation_is_refused(client, editor, source):
    claim = make_claim(source, "uncited", status=Claim.Status.REVIEW, cited=False)
    client.force_login(editor)
    response = client.post(
        reverse("admin:claims_claim_changelist"), {"action": "publish", "_selected_action": [claim.pk]}, follow=True
    )
    assert "A published claim needs at least one citation." in response.content.decode()
    claim.refresh_from_db()
    assert claim.status == Claim.Status.REVIEW


def test_editor_retracts_with_a_reason(client, editor, published_claim):
    client.force_login(editor)
    changelist = reverse("admin:claims_claim_changelist")
    form = client.post(changelist, {"action": "retract", "_selected_action": [published_claim.pk]})
    assert "Retracting keeps each claim" in form.content.decode()
    client.post(changelist, {"action": "retract", "_selected_action": [published_claim.pk], "reason": "Misquoted."})
    published_claim.refresh_from_db()
    assert published_claim.status == Claim.Status.RETRACTED
    assert published_claim.retraction_reason == "Misquoted."


def test_non_staff_cannot_reach_admin(client, django_user_model):
    user = django_user_model.objects.create_user("reader", password="x")
    client.force_login(user)
    response = client.get(reverse("admin:claims_claim_changelist"))
    assert response.status_code == 302 and "login" in response["Location"]


def test_key_filters_narrow_the_changelist_and_keep_other_filters(client, editor, source, alibaba, cloud):
    tagged = make_claim(source, "tagged")
    tagged.companies.add(alibaba)
    tagged.topics.add(cloud)
    make_claim(source, "untagged")
    client.force_login(editor)
    changelist = reverse("admin:claims_claim_changelist")
    for query, expected in [
        ("company=alibaba", 1),
        ("topic=cloud-computing", 1),
        (f"source={source.key}", 2),
        ("source=no-such-source", 0),
        ("company=alibaba&status__exact=published", 1),
    ]:
        response = client.get(f"{changelist}?{query}")
        assert response.context["cl"].result_count == expected, query
    page = client.get(f"{changelist}?status__exact=published&company=alibaba").content.decode()
    assert '<input type="hidden" name="status__exact" value="published">' in page
