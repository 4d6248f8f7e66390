import csv
import io
import json
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils.html import escape

from claims.dataout.tabular import csv_lines, neutralise
from claims.ingest.loaders import load_corpus

from .fixturefiles import database_fingerprint, fixture_tree

pytestmark = pytest.mark.django_db

FIXTURES = Path(settings.BASE_DIR) / "fixtures"
SEEDS = Path(settings.BASE_DIR).parent / "shared" / "seeds"


def test_load_export_load_round_trips_with_no_change(tmp_path):
    fixtures, texts = fixture_tree(tmp_path)
    load_corpus([fixtures], texts_dir=str(texts))
    before = database_fingerprint()
    call_command("export_corpus", str(tmp_path / "out"), verbosity=0)
    report = load_corpus([tmp_path / "out"], texts_dir=str(texts))
    assert report.counts["claim"] == {"unchanged": 3}
    assert report.counts["source"] == {"unchanged": 1}
    assert report.counts["company"] == {"unchanged": 3}
    assert database_fingerprint() == before


def test_seed_corpus_round_trips(tmp_path):
    load_corpus([FIXTURES], texts_dir=str(SEEDS))
    before = database_fingerprint()
    call_command("export_corpus", str(tmp_path / "out"), verbosity=0)
    report = load_corpus([tmp_path / "out"], texts_dir="")
    assert set(report.counts["claim"]) == {"unchanged"}
    assert database_fingerprint() == before


def test_export_into_a_fresh_database_gives_the_same_corpus(tmp_path, django_db_blocker):
    fixtures, texts = fixture_tree(tmp_path)
    load_corpus([fixtures], texts_dir=str(texts))
    call_command("export_corpus", str(tmp_path / "out"), verbosity=0)
    first = json.loads((tmp_path / "out" / "sources" / "test-report-2019.json").read_text())
    original = json.loads((fixtures / "sources" / "test-report-2019.json").read_text())
    assert [c["key"] for c in first["claims"]] == sorted(c["key"] for c in original["claims"])
    assert first["source"]["published"] == "2019-05"
    figure = next(c for c in first["claims"] if c["key"] == "mobile-payments-2016")
    assert figure["value"] == {
        "number": 5.5,
        "qualifier": "exact",
        "unit": "USD",
        "scale": "trillion",
        "metric": "China mobile-payment market size",
    }
    assert figure["relations"] == [
        {"type": "supports", "claim": "test-report-2019/alibaba-cloud-share-2019", "note": "Same report."}
    ]


@pytest.mark.parametrize("cell", ["=1+1", "+SUM(A1)", "-2", "@cmd", "\tx", "\rx"])
def test_csv_formula_cells_are_neutralised(cell):
    assert neutralise(cell) == "'" + cell
    (header, row) = list(csv.reader(io.StringIO("".join(csv_lines([{"text": cell}], ["text"])))))
    assert row == ["'" + cell]


def test_plain_cells_are_untouched():
    assert neutralise("Alibaba") == "Alibaba" and neutralise(3) == 3


def test_export_then_load_into_an_empty_database_gives_back_the_same_corpus(tmp_path):
    """The backup path that needs no database tools: export, empty, load, export again."""
    from claims.models import Claim, Company, Source, Topic

    load_corpus([FIXTURES], texts_dir=str(SEEDS))
    call_command("export_corpus", str(tmp_path / "first"), verbosity=0)
    Claim.objects.all().delete()
    Source.objects.all().delete()
    Company.objects.all().delete()
    while Topic.objects.exists():  # leaves first: parents are protected
        Topic.objects.filter(children__isnull=True).delete()
    load_corpus([tmp_path / "first"], texts_dir=str(SEEDS))  # the texts went with their sources
    call_command("export_corpus", str(tmp_path / "second"), verbosity=0)
    first = sorted(p.relative_to(tmp_path / "first") for p in (tmp_path / "first").rglob("*.json"))
    second = sorted(p.relative_to(tmp_path / "second") for p in (tmp_path / "second").rglob("*.json"))
    assert first == second and len(first) == 7
    for name in first:
        assert (tmp_path / "first" / name).read_text() == (tmp_path / "second" / name).read_text(), name


def test_every_permalink_survives_an_export_and_a_load_into_an_empty_database(client, editor, tmp_path):
    """A permalink is made of natural keys, so a rebuild from the exported
    fixture files (manage.py export_corpus, then load_corpus into an empty
    database) answers every one as before, though every id has changed."""
    from claims.models import Claim, Company, Source, Topic

    load_corpus([FIXTURES], texts_dir=str(SEEDS))
    withdrawn = Claim.objects.public().order_by("pk").first()
    withdrawn.retract(editor, "Retracted before the rebuild.")
    withdrawn.save()
    claims = Claim.objects.permanent().select_related("source").order_by("source__key", "key")
    before = {claim.get_absolute_url(): (claim.pk, claim.status, claim.text) for claim in claims}
    assert len(before) > 50 and before[withdrawn.get_absolute_url()][1] == "retracted"
    exported = {row["url"] for row in json.loads(b"".join(client.get("/claims.json").streaming_content))}
    assert exported == {f"http://testserver{url}" for url, (_, status, _) in before.items() if status == "published"}

    call_command("export_corpus", str(tmp_path / "out"), verbosity=0)
    Claim.objects.all().delete()
    Source.objects.all().delete()
    Company.objects.all().delete()
    while Topic.objects.exists():
        Topic.objects.filter(children__isnull=True).delete()
    assert client.get(next(iter(before))).status_code == 404
    load_corpus([tmp_path / "out"], texts_dir=str(SEEDS))

    after = {claim.get_absolute_url(): (claim.pk, claim.status, claim.text) for claim in claims.all()}
    assert after.keys() == before.keys()
    assert all(after[url][1:] == before[url][1:] for url in before)
    assert not {pk for pk, _, _ in before.values()} & {pk for pk, _, _ in after.values()}  # new ids
    for url, (_, status, text) in before.items():
        response = client.get(url)
        assert response.status_code == (200 if status == "published" else 410), url
        assert escape(text) in response.content.decode(), url
    exported_again = {row["url"] for row in json.loads(b"".join(client.get("/claims.json").streaming_content))}
    assert exported_again == exported
