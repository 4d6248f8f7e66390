"""Admin edits survive reloads: a source edited in the admin is protected as
claims are, its history is kept, its key cannot be renamed away from its
claims, and the admin -> export_corpus -> reload round trip is quiet."""

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse

from claims.ingest.loaders import LoadFailed, load_corpus
from claims.models import Claim, Source

from .fixturefiles import fixture_tree

pytestmark = pytest.mark.django_db


@pytest.fixture
def loaded(tmp_path):
    fixtures, texts = fixture_tree(tmp_path)
    load_corpus([fixtures], texts_dir=str(texts))
    return fixtures, texts


def edit_source_title(client, editor, title):
    source = Source.objects.get(key="test-report-2019")
    client.force_login(editor)
    data = {
        "key": source.key,
        "kind": source.kind,
        "title": title,
        "publisher": source.publisher,
        "published": source.published.isoformat(),
        "published_precision": source.published_precision,
        "url": source.url,
        "language": source.language,
        "authors-TOTAL_FORMS": "2",
        "authors-INITIAL_FORMS": "2",
        "authors-MIN_NUM_FORMS": "0",
        "authors-MAX_NUM_FORMS": "1000",
    }
    for i, author in enumerate(source.authors.order_by("position")):
        data.update(
            {
                f"authors-{i}-id": author.pk,
                f"authors-{i}-source": source.pk,
                f"authors-{i}-position": author.position,
                f"authors-{i}-family": author.family,
                f"authors-{i}-given": author.given,
                f"authors-{i}-organisation": author.organisation,
                f"authors-{i}-role": author.role,
            }
        )
    response = client.post(reverse("admin:claims_source_change", args=[source.pk]), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    return Source.objects.get(pk=source.pk)


def test_a_reload_refuses_to_overwrite_a_source_edited_in_the_admin(client, editor, loaded, tmp_path):
    fixtures, texts = loaded
    source = edit_source_title(client, editor, "A Test Report: Cloud and Payments (2nd ed.)")
    assert source.admin_changed_at is not None
    # The file still has the old title and something else changed in it.
    path = fixtures / "sources" / "test-report-2019.json"
    path.write_text(path.read_text().replace('"publisher": "CSIS"', '"publisher": "CSIS Press"'))
    with pytest.raises(LoadFailed) as excinfo:
        load_corpus([fixtures], texts_dir=str(texts))
    (error,) = excinfo.value.errors
    assert (error.record, error.field) == ("/source", "") and "edited in the admin" in error.message
    assert Source.objects.get(pk=source.pk).title.endswith("(2nd ed.)")

    report = load_corpus([fixtures], texts_dir=str(texts), overwrite_admin_edits=True)
    assert ("test-report-2019", "(source record)") in report.conflicts_overwritten
    source.refresh_from_db()
    assert (source.title, source.publisher, source.admin_changed_at) == (
        "A Test Report: Cloud and Payments",
        "CSIS Press",
        None,
    )
    # The admin's version is in the source's history.
    titles = list(source.history.order_by("history_id").values_list("title", flat=True))
    assert "A Test Report: Cloud and Payments (2nd ed.)" in titles


def test_export_then_reload_of_admin_edits_is_unchanged(client, editor, loaded, tmp_path):
    fixtures, texts = loaded
    edit_source_title(client, editor, "A Test Report, revised")
    claim = Claim.objects.get(key="jack-ma-keep-investing")
    claim.notes = "Said at the 2018 shareholder meeting."
    claim.admin_changed_at = claim.loaded_at
    claim.save()
    call_command("export_corpus", str(tmp_path / "exported"), verbosity=0)
    report = load_corpus([tmp_path / "exported"], texts_dir=str(texts))
    assert report.counts["source"]["unchanged"] == 1 and report.counts["claim"]["unchanged"] == 3
    assert not report.conflicts_overwritten
    assert Source.objects.get(key="test-report-2019").admin_changed_at is None
    assert Claim.objects.get(pk=claim.pk).admin_changed_at is None


def test_a_source_key_with_published_claims_cannot_change(client, editor, loaded):
    source = Source.objects.get(key="test-report-2019")
    client.force_login(editor)
    page = client.get(reverse("admin:claims_source_change", args=[source.pk])).content.decode()
    assert 'name="key"' not in page  # read-only
    source.key = "renamed-report"
    with pytest.raises(ValidationError, match="cannot change"):
        source.save()
    assert Source.objects.filter(key="test-report-2019").exists()


def test_a_source_key_without_published_claims_may_still_change(source):
    source.key = "a-better-key"
    source.save()
    assert Source.objects.filter(key="a-better-key").exists()
