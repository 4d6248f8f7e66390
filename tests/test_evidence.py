"""What counts as checked evidence (claims/evidence.py), and the migration
that took source texts into the corpus."""

import importlib

import pytest
from django.apps import apps as django_apps

from claims import evidence, quotes
from claims.models import Citation, Claim, FullText, Source

NORMALISED_LABEL = "checked against the source text, allowing for differences in spacing, hyphenation and typography"


@pytest.mark.parametrize(
    "verification, reason, publishable, label",
    [
        ("exact", "", True, "checked against the source text"),
        (
            "normalised",
            "",
            True,
            "checked against the source text, allowing for differences in spacing, hyphenation and typography",
        ),
        ("fuzzy", "", False, "not checked"),
        ("not_found", "", False, "not checked"),
        ("no_text", "", False, "not checked"),
        ("no_text", "  ", False, "not checked"),
        ("no_text", "print-only", True, "not checked: print-only"),
        # A reason never makes a quote that is not in the text publishable, nor says more than was checked.
        ("fuzzy", "print-only", False, "not checked"),
        ("not_found", "print-only", False, "not checked"),
    ],
)
def test_what_may_be_published_and_what_the_public_is_told(verification, reason, publishable, label):
    assert evidence.publishable(verification, reason) is publishable
    assert evidence.public_label(verification, reason) == label
    assert bool(evidence.blocking_reason(verification, 97.0, reason)) is not publishable


def test_only_editors_the_loader_and_reverification_may_change_evidence_past_draft(curator, editor):
    with pytest.raises(evidence.EvidenceLocked), evidence.changing_evidence(curator):
        pass
    for by in (editor, evidence.LOADER, evidence.REVERIFY):
        with evidence.changing_evidence(by):
            assert evidence.current_authority() == by
    assert evidence.current_authority() is None


@pytest.mark.parametrize(
    "locator, page", [("p. 781", "781"), ("pp. 781–782", "781"), ("P. xii", "xii"), ("section: Cloud", None)]
)
def test_locator_pages(locator, page):
    assert evidence.locator_page(locator) == page


@pytest.mark.django_db
def test_the_migration_takes_texts_into_the_corpus_and_clears_paths(tmp_path, settings):
    """Migration 0009's data step, run on rows as 0008 left them."""
    migration = importlib.import_module("claims.migrations.0009_source_texts")
    (tmp_path / "report.txt").write_text("The report's words.", encoding="utf-8")
    (tmp_path.parent / "outside.txt").write_text("Not a text of ours.", encoding="utf-8")
    settings.CORPUS_TEXTS_DIR = str(tmp_path)
    good = Source.objects.create(key="good", kind="report", title="Good", text_file="report.txt")
    # Values a curator could type while text_file was a path: cleared, never read.
    for key, value in (("hole", "../../etc/passwd"), ("outside", "../outside.txt"), ("absolute", "/etc/passwd")):
        Source.objects.filter(pk=Source.objects.create(key=key, kind="report", title=key).pk).update(text_file=value)
    claim = Claim.objects.create(source=good, key="c", text="A claim.", kind="event")
    Citation.objects.create(claim=claim, source=good, quote="words", locator="p. 1")
    Citation.objects.filter(claim=claim).update(verification="unchecked")

    migration.texts_into_the_corpus(django_apps, None)

    held = FullText.objects.get(source=good)
    assert (held.text, held.origin, held.origin_name) == ("The report's words.", "fixture", "report.txt")
    assert set(Source.objects.exclude(key="good").values_list("text_file", flat=True)) == {""}
    assert FullText.objects.count() == 1
    assert list(Citation.objects.values_list("verification", flat=True)) == ["no_text"]


TEXT = "The margin was -5% in 2019; sales grew 10–20% and trips average 30–35 million. E-commerce rose."


@pytest.mark.parametrize(
    "quote, found",
    [
        ("trips average 30–35 million", "exact"),
        ("trips average 30-35 million", "normalised"),  # a dash is a dash, whichever
        ("The margin was −5%", "normalised"),
        ("Ecommerce rose", "normalised"),  # a hyphen between letters may go
        # Never a number changed by dropping a dash or a sign:
        ("trips average 3035 million", "fuzzy"),
        ("sales grew 1020%", "fuzzy"),
        ("The margin was 5% in 2019", "fuzzy"),
    ],
)
def test_normalising_never_changes_a_number(quote, found):
    assert quotes.SourceText(TEXT).find(quote).status == found


def test_a_line_break_hyphen_joins_words_not_numbers():
    text = quotes.SourceText("Ali-\nbaba grew 30-\n35 percent.")
    assert text.find("Alibaba grew").status == "normalised"
    assert text.find("grew 3035 percent").status != "normalised"
