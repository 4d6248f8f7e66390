"""Free text has a length limit and holds nothing invisible (claims/plaintext.py):
refused on input by the model, the admin and the loader, naming the field;
removed on output for rows written past validation; and quotes are still
found in source texts that hold such characters."""

import json
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from claims import evidence
from claims import models as domain
from claims.ingest.loaders import LoadFailed, load_corpus
from claims.models import Citation, Claim, ClaimRelation, Company, Source, Topic
from claims.plaintext import NAMES, hidden_characters, neutralise
from claims.quotes import INVISIBLE, SourceText

from .conftest import make_claim
from .fixturefiles import database_fingerprint, fixture_tree, source_copy
from .security_harness import body_of

RLO = "\u202e"
ZWSP = "\u200b"
ZWJ = "\u200d"


# -- the rule ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, refused",
    [
        ("Alibaba", []),
        (f"Ali{RLO}abab", [(3, RLO)]),
        (f"Ali{ZWSP}baba", [(3, ZWSP)]),
        ("\ufeffAlibaba", [(0, "\ufeff")]),
        ("a\u2066b\u2069", [(1, "\u2066"), (3, "\u2069")]),
        # A joiner inside a word of a script that uses it is a letter's business...
        ("می\u200cخواهم", []),
        ("क्\u200dष", []),
        # ...and refused between ASCII letters, next to a space, or at an end.
        (f"Ali{ZWJ}baba", [(3, ZWJ)]),
        ("می \u200cخواهم", [(3, "\u200c")]),
        (f"{ZWJ}می", [(0, ZWJ)]),
    ],
)
def test_what_is_refused(text, refused):
    assert hidden_characters(text) == refused
    assert neutralise(text) == "".join(ch for i, ch in enumerate(text) if (i, ch) not in refused)


def test_quote_matching_ignores_every_character_the_rule_knows():
    assert set(INVISIBLE) == set(NAMES)


# -- refused on input: the model, the admin, the loader ----------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "field, value",
    [
        ("text", f"Alibaba's cloud revenue {RLO}grew 40% in 2020."),
        ("notes", f"Converted{ZWSP} from CNY."),
        ("speaker", f"Jack{RLO} Ma"),
        ("metric", f"Alibaba{ZWSP} revenue"),
        ("text", "x" * (domain.CLAIM_TEXT_MAX_LENGTH + 1)),
        ("notes", "x" * (domain.NOTE_MAX_LENGTH + 1)),
        ("retraction_reason", "x" * (domain.REASON_MAX_LENGTH + 1)),
    ],
)
def test_the_model_refuses_naming_the_field(source, field, value):
    fields = {"text": "Alibaba grew.", "speaker": "Jack Ma", field: value}
    claim = Claim(source=source, key="k", kind=Claim.Kind.EVENT, **fields)
    with pytest.raises(ValidationError) as excinfo:
        claim.full_clean()
    assert list(excinfo.value.message_dict) == [field]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "model, fields",
    [
        (Source, {"key": "s", "kind": "report", "title": f"A {RLO}report"}),
        (Source, {"key": "s", "kind": "report", "title": "A report", "notes": "x" * 10_001}),
        (Company, {"slug": "c", "name": "Ali\u2066baba"}),
        (Company, {"slug": "c", "name": "Alibaba", "description": "x" * 2001}),
        (Company, {"slug": "c", "name": "Alibaba", "aliases": [f"Ali{ZWSP}baba"]}),
        (Topic, {"slug": "t", "name": "Cloud", "description": f"{RLO}x"}),
    ],
)
def test_every_kind_of_free_text_is_checked(model, fields):
    with pytest.raises(ValidationError):
        model(**fields).full_clean()


@pytest.mark.django_db
def test_citations_and_relations_are_checked(published_claim, source):
    citation = Citation(claim=published_claim, source=source, quote=f"Two {RLO}words here", locator="p. 1")
    with pytest.raises(ValidationError) as excinfo:
        citation.full_clean()
    assert "quote" in excinfo.value.message_dict
    other = make_claim(source, "other")
    relation = ClaimRelation(from_claim=published_claim, to_claim=other, type="supports", note="x" * 1001)
    with pytest.raises(ValidationError) as excinfo:
        relation.full_clean()
    assert list(excinfo.value.message_dict) == ["note"]


@pytest.mark.django_db
def test_a_workflow_reason_is_checked(editor, published_claim):
    with pytest.raises(ValidationError, match="U\\+202E"):
        published_claim.retract(editor, f"Wrong {RLO}figure")
    with pytest.raises(ValidationError, match="at most"):
        published_claim.retract(editor, "x" * (domain.REASON_MAX_LENGTH + 1))


@pytest.mark.django_db
def test_the_admin_names_the_field(client, editor):
    client.force_login(editor)
    response = client.post(reverse("admin:claims_topic_add"), {"name": f"Cloud {RLO}computing", "slug": "cloud"})
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert list(errors) == ["name"] and "U+202E (right-to-left override)" in errors["name"][0]
    assert not Topic.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "where, change",
    [
        ("text", lambda claim: claim.update(text=f"Alibaba {RLO}held 43%.")),
        ("notes", lambda claim: claim.update(notes="x" * (domain.NOTE_MAX_LENGTH + 1))),
        ("citations/0/quote", lambda claim: claim["citations"][0].update(quote=f"Alibaba's cloud{ZWSP} unit held")),
        ("citations/0/locator", lambda claim: claim["citations"][0].update(locator=f"p.{RLO} 1")),
        ("relations/0/note", lambda claim: claim["relations"][0].update(note=f"Same {RLO}report.")),
    ],
)
def test_the_loader_names_file_record_and_field_and_writes_nothing(tmp_path, where, change):
    data = source_copy()
    claim = data["claims"][1] if where.startswith("relations") else data["claims"][0]
    change(claim)
    fixtures, texts = fixture_tree(tmp_path, source=data)
    before = database_fingerprint()
    with pytest.raises(LoadFailed) as excinfo:
        load_corpus([fixtures], texts_dir=str(texts))
    found = [(Path(e.file).name, e.record, e.field) for e in excinfo.value.errors]
    assert ("test-report-2019.json", f"/claims/{data['claims'].index(claim)}", where) in [
        (file, record.split(" ")[0], field) for file, record, field in found
    ], found
    assert database_fingerprint() == before


@pytest.mark.django_db
def test_the_schema_says_the_models_limits():
    schema = json.loads(Path("fixtures/schema.json").read_text(encoding="utf-8"))["$defs"]
    pairs = [
        (schema["claim"]["properties"]["text"], Claim, "text"),
        (schema["claim"]["properties"]["notes"], Claim, "notes"),
        (schema["claim"]["properties"]["retraction_reason"], Claim, "retraction_reason"),
        (schema["claim"]["properties"]["speaker"], Claim, "speaker"),
        (schema["source"]["properties"]["notes"], Source, "notes"),
        (schema["source"]["properties"]["title"], Source, "title"),
        (schema["source"]["properties"]["unchecked_reason"], Source, "unchecked_reason"),
        (schema["citation"]["properties"]["locator"], Citation, "locator"),
        (schema["relation"]["properties"]["note"], ClaimRelation, "note"),
        (schema["company"]["properties"]["description"], Company, "description"),
        (schema["topic"]["properties"]["description"], Topic, "description"),
    ]
    for definition, model, name in pairs:
        assert definition["maxLength"] == model._meta.get_field(name).max_length, (model, name)
    assert schema["citation"]["properties"]["quote"]["maxLength"] == domain.QUOTE_MAX_LENGTH


# -- removed on output, for rows written past validation ---------------------------------------


@pytest.mark.django_db
def test_rows_written_past_validation_show_nothing_invisible(client, published_claim, alibaba):
    Claim.objects.filter(pk=published_claim.pk).update(text=f"Alibaba {RLO}held 43%{ZWSP} of it.", notes=f"{RLO}n")
    with evidence.changing_evidence(evidence.LOADER):
        Citation.objects.filter(claim=published_claim).update(quote=f"Quote {RLO}for published-one.")
    Company.objects.filter(pk=alibaba.pk).update(name=f"Alibaba {RLO}Group")
    for url in (
        published_claim.get_absolute_url(),
        "/",
        "/?q=alibaba",
        alibaba.get_absolute_url(),
        reverse("api:claim-detail", args=[published_claim.pk]),
        reverse("api:company-list"),
        reverse("claims:claim-download", args=["csv"]),
        reverse("claims:claim-download", args=["json"]),
        reverse("claims:company-download", args=["csv"]),
        reverse("claims:claim-feed"),
    ):
        body = body_of(client.get(url))
        assert "held 43%" in body or "Alibaba" in body, url
        assert not shows_invisible(body), url


def shows_invisible(body):
    return any(ch in body or f"\\u{ord(ch):04x}" in body.lower() for ch in INVISIBLE)


# -- quotes of a source whose text holds such characters --------------------------------------


def test_a_quote_is_found_in_a_text_with_invisible_characters():
    text = SourceText(f"Intro. Ali{ZWSP}baba{RLO} held 43 percent of the market{ZWSP}. Later text.")
    match = text.find("Alibaba held 43 percent of the market")
    assert match.status == "normalised"
    assert match.suffix == ". Later text." and not hidden_characters(match.prefix + match.suffix)
