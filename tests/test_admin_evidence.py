"""The promise on the curator's path: a source gets its text in the admin,
every quote is verified again whenever it or the text changes, nothing
unchecked is published, and the evidence of a claim past draft changes only
through the workflow — whatever a curator posts."""

import datetime
import io
import json

import pytest
from django.db import transaction
from django.urls import reverse
from fpdf import FPDF
from pypdf import PdfReader, PdfWriter

from claims import evidence
from claims.ingest import textextract
from claims.ingest.sourcetexts import set_text
from claims.models import Citation, Claim, FullText, Source

from .fixturefiles import numbered_pdf

pytestmark = pytest.mark.django_db

TEXT = (
    "Cloud markets. Alibaba's share of China's cloud market did not slip in 2019, its executives said.\n"
    "Tencent held second place, and Huawei was growing fast.\n"
)
MISQUOTE = "Alibaba's share of China's cloud market did not drop in 2019"
QUOTE = "Alibaba's share of China's cloud market did not slip in 2019"
REASON = "print-only; checked by hand against the library copy"


@pytest.fixture
def report(db):
    return Source.objects.create(
        key="cloud-report-2020",
        kind=Source.Kind.REPORT,
        title="Cloud Markets in China",
        publisher="Example Institute",
        published=datetime.date(2020, 1, 1),
        published_precision="year",
    )


@pytest.fixture
def held(report):
    set_text(report, TEXT, origin=FullText.Origin.PASTE)
    return report


def add_claim(client, source, quote, key="cloud-share", locator="p. 3", **extra):
    """A curator's "Add claim" form, posted as the browser posts it."""
    data = {
        "source": source.pk,
        "key": key,
        "text": "Alibaba's share of China's cloud market held steady in 2019.",
        "kind": "assessment",
        "period": "2019",
        "citations-TOTAL_FORMS": "1",
        "citations-INITIAL_FORMS": "0",
        "citations-MIN_NUM_FORMS": "0",
        "citations-MAX_NUM_FORMS": "1000",
        "citations-0-source": source.pk,
        "citations-0-quote": quote,
        "citations-0-locator": locator,
        "relations_from-TOTAL_FORMS": "0",
        "relations_from-INITIAL_FORMS": "0",
        "relations_from-MIN_NUM_FORMS": "0",
        "relations_from-MAX_NUM_FORMS": "1000",
        **extra,
    }
    response = client.post(reverse("admin:claims_claim_add"), data)
    assert response.status_code == 302, response.context["errors"] if response.context else response
    return Claim.objects.get(source=source, key=key)


def change_data(claim, **overrides):
    """The change form of a claim as it stands, with its citations as initial forms."""
    data = {
        "source": claim.source_id,
        "key": claim.key,
        "text": claim.text,
        "kind": claim.kind,
        "period": claim.period_code,
        "accepted_checks": json.dumps(claim.accepted_checks),
        "relations_from-TOTAL_FORMS": "0",
        "relations_from-INITIAL_FORMS": "0",
        "relations_from-MIN_NUM_FORMS": "0",
        "relations_from-MAX_NUM_FORMS": "1000",
    }
    citations = list(claim.citations.order_by("id"))
    data.update(
        {
            "citations-TOTAL_FORMS": str(len(citations)),
            "citations-INITIAL_FORMS": str(len(citations)),
            "citations-MIN_NUM_FORMS": "0",
            "citations-MAX_NUM_FORMS": "1000",
        }
    )
    for i, citation in enumerate(citations):
        data.update(
            {
                f"citations-{i}-id": citation.pk,
                f"citations-{i}-claim": claim.pk,
                f"citations-{i}-source": citation.source_id,
                f"citations-{i}-quote": citation.quote,
                f"citations-{i}-locator": citation.locator,
                f"citations-{i}-unchecked_reason": citation.unchecked_reason,
            }
        )
    data.update(overrides)
    return data


def change_url(claim):
    return reverse("admin:claims_claim_change", args=[claim.pk])


def public_views(client, claim):
    """What the public sees of a claim: its page and its API record, byte for byte."""
    client.logout()
    return (
        client.get(claim.get_absolute_url()).content,
        client.get(reverse("api:claim-detail", args=[claim.pk])).content,
    )


# -- a source gets its text ---------------------------------------------------------------


def source_form(source, **overrides):
    data = {
        "key": source.key,
        "kind": source.kind,
        "title": source.title,
        "publisher": source.publisher,
        "pages": source.pages,
        "published": source.published.isoformat() if source.published else "",
        "published_precision": source.published_precision,
        "language": source.language,
        "authors-TOTAL_FORMS": "0",
        "authors-INITIAL_FORMS": "0",
        "authors-MIN_NUM_FORMS": "0",
        "authors-MAX_NUM_FORMS": "1000",
    }
    data.update(overrides)
    return data


def upload(client, source, name, content, **overrides):
    file = io.BytesIO(content)
    file.name = name
    return client.post(
        reverse("admin:claims_source_change", args=[source.pk]), source_form(source, text_upload=file, **overrides)
    )


def html_page(body):
    nav = "<nav><a href='/'>Home</a> <a href='/subscribe'>Subscribe to our newsletter</a></nav>"
    return f"<html><head><title>Cloud</title></head><body>{nav}<article>{body}</article><footer>© 2020</footer></body>"


@pytest.mark.parametrize("kind", ["txt", "pdf", "html", "paste"])
def test_a_curator_gives_a_source_its_text(client, curator, report, kind):
    report.pages = "779–781"
    report.save()
    client.force_login(curator)
    if kind == "txt":
        response = upload(client, report, "cloud.txt", TEXT.encode())
    elif kind == "pdf":
        response = upload(client, report, "cloud.pdf", numbered_pdf(["Front matter.", TEXT, "The end."], first=779))
    elif kind == "html":
        body = "".join(f"<p>{line}</p>" for line in TEXT.splitlines())
        response = upload(client, report, "cloud.html", html_page(body).encode())
    else:
        response = client.post(
            reverse("admin:claims_source_change", args=[report.pk]), source_form(report, text_paste=TEXT)
        )
    assert response.status_code == 302, response.context["adminform"].form.errors
    held = FullText.objects.get(source=report)
    assert "did not slip in 2019" in held.text and held.added_by == curator
    assert held.origin == ("paste" if kind == "paste" else "upload")
    if kind == "pdf":
        assert [label for _, label in held.page_map] == ["779", "780", "781"]
    page = client.get(reverse("admin:claims_source_change", args=[report.pk])).content.decode()
    assert "characters" in page and held.sha256 in page


def scanned_pdf():
    pdf = FPDF()
    for _ in range(2):
        pdf.add_page()
        pdf.rect(20, 20, 150, 200, style="F")
    return bytes(pdf.output())


def encrypted_pdf():
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(numbered_pdf([TEXT, TEXT]))))
    writer.encrypt(user_password="secret", owner_password="owner", algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


BAD_FILES = {
    "scanned": ("scan.pdf", scanned_pdf, "has no text layer"),
    "encrypted": ("locked.pdf", encrypted_pdf, "is encrypted"),
    "corrupt": ("broken.pdf", lambda: numbered_pdf([TEXT])[:300], "could not be read as a PDF"),
    "disguised pdf": ("report.pdf", lambda: html_page("<p>Hello</p>").encode(), "is not a PDF"),
    "disguised txt": ("notes.txt", lambda: numbered_pdf([TEXT]), "is really a PDF"),
    "empty": ("empty.txt", lambda: b"", "is empty"),
    "oversized": ("big.txt", lambda: b"x" * 2048, "over the limit"),
    "not utf-8": ("latin.txt", lambda: "Café société".encode("latin-1"), "is not UTF-8 text"),
    "wrong type": ("report.docx", lambda: b"PK\x03\x04 not a text", "not a kind of file we can read"),
}


@pytest.mark.parametrize("kind", BAD_FILES)
def test_a_bad_file_is_refused_with_its_message_and_changes_nothing(client, curator, held, monkeypatch, kind):
    if kind == "oversized":
        monkeypatch.setattr(textextract, "MAX_UPLOAD_BYTES", 1024)
    name, make, message = BAD_FILES[kind]
    before = FullText.objects.get(source=held)
    client.force_login(curator)
    response = upload(client, held, name, make(), title="A changed title")
    assert response.status_code == 200
    errors = " ".join(response.context["adminform"].form.errors["text_upload"])
    assert name in errors and message in errors
    after = FullText.objects.get(source=held)
    assert (after.text, after.sha256, after.added_at) == (before.text, before.sha256, before.added_at)
    assert Source.objects.get(pk=held.pk).title == "Cloud Markets in China"


def test_no_input_is_read_as_a_server_path(client, curator, editor, report, tmp_path):
    client.force_login(editor)  # who may also replace a text
    for path in ("/etc/passwd", "../../../etc/passwd", "/proc/self/environ"):
        response = client.post(
            reverse("admin:claims_source_change", args=[report.pk]), source_form(report, text_file=path)
        )
        assert response.status_code == 302
        report.refresh_from_db()
        assert report.text_file == ""  # not a field of the form: never set, never read
        # An upload's name is a label: only its content is read.
        upload(client, report, path.rsplit("/", 1)[-1] + ".txt", b"The uploaded words only.")
        held = FullText.objects.get(source=report)
        assert held.text == "The uploaded words only." and held.origin_name == path.rsplit("/", 1)[-1] + ".txt"
    # The model refuses a path as text_file too, whoever saves it.
    report.text_file = "../secrets.txt"
    with pytest.raises(Exception, match="bare file name"):
        report.full_clean()
    # Nothing the admin shows reads a file: "quotes in context" comes from the held text.
    (tmp_path / "secret.txt").write_text("SECRET_KEY=zz-top-secret")
    claim = add_claim(client, report, "The uploaded words only.")
    page = client.get(change_url(claim)).content.decode()
    assert "zz-top-secret" not in page and "root:" not in page


# -- nothing unchecked is published ------------------------------------------------------------


def test_a_one_word_misquote_is_fuzzy_and_cannot_be_published_by_any_path(client, curator, editor, held):
    client.force_login(curator)
    claim = add_claim(client, held, MISQUOTE)
    citation = claim.citations.get()
    assert citation.verification == "fuzzy" and citation.verification_score >= 90
    client.post(change_url(claim), {**change_data(claim), "_submit": "1"})
    claim.refresh_from_db()
    assert claim.status == Claim.Status.REVIEW

    client.force_login(editor)
    page = client.get(change_url(claim)).content.decode()
    assert "The source says" in page and "<del>drop</del>" in page and "<ins>slip</ins>" in page
    # The button on the change page.
    response = client.post(change_url(claim), {**change_data(claim), "_publish": "1"}, follow=True)
    assert "Every quote must be checked against its source before" in response.content.decode()
    # The bulk action.
    response = client.post(
        reverse("admin:claims_claim_changelist"), {"action": "publish", "_selected_action": [claim.pk]}, follow=True
    )
    assert "Not published" in response.content.decode() and "resembles" in response.content.decode()
    # A crafted POST setting the status, and a revert to the claim's first version.
    client.post(change_url(claim), {**change_data(claim), "status": "published"})
    first = claim.history.earliest()
    client.post(reverse("admin:claims_claim_simple_history", args=[claim.pk, first.history_id]), change_data(claim))
    claim.refresh_from_db()
    assert claim.status == Claim.Status.REVIEW and claim.citations.get().verification == "fuzzy"

    # One click: the source's words.
    response = client.post(change_url(claim), {**change_data(claim), "_use_source_words": str(citation.pk)})
    assert response.status_code == 302
    citation.refresh_from_db()
    assert citation.quote == QUOTE and citation.verification == "exact"
    response = client.post(change_url(claim), {**change_data(claim), "_publish": "1"}, follow=True)
    claim.refresh_from_db()
    assert claim.status == Claim.Status.PUBLISHED
    client.logout()
    assert "checked against the source text" in client.get(claim.get_absolute_url()).content.decode()


def test_a_quote_not_in_the_text_shows_the_nearest_passage_and_blocks(client, curator, editor, held):
    client.force_login(curator)
    claim = add_claim(client, held, "Baidu dominated search advertising in the whole of 2019.")
    assert claim.citations.get().verification in ("not_found", "fuzzy")
    client.force_login(editor)
    response = client.post(change_url(claim), {**change_data(claim), "_publish": "1"}, follow=True)
    assert "the quote is not in the source&#x27;s text" in response.content.decode()
    assert "The nearest passage" in response.content.decode()
    assert Claim.objects.get(pk=claim.pk).status == Claim.Status.DRAFT


def test_without_a_text_only_an_editors_reason_lets_a_quote_be_published(client, curator, editor, report):
    client.force_login(curator)
    claim = add_claim(client, report, "Words from a printed book.")
    assert claim.citations.get().verification == "no_text"
    # A curator cannot record the reason, even by posting the field.
    data = change_data(claim, **{"citations-0-unchecked_reason": "I say so"})
    client.post(change_url(claim), {**data, "_submit": "1"})
    claim.refresh_from_db()
    assert claim.status == Claim.Status.REVIEW and claim.citations.get().unchecked_reason == ""

    client.force_login(editor)
    response = client.post(change_url(claim), {**change_data(claim), "_publish": "1"}, follow=True)
    assert "no text of this source" in response.content.decode()
    assert Claim.objects.get(pk=claim.pk).status == Claim.Status.REVIEW
    data = change_data(claim, **{"citations-0-unchecked_reason": REASON})
    response = client.post(change_url(claim), {**data, "_publish": "1"}, follow=True)
    claim.refresh_from_db()
    assert claim.status == Claim.Status.PUBLISHED
    assert claim.citations.get().history.filter(unchecked_reason=REASON).exists()

    client.logout()
    page = client.get(claim.get_absolute_url()).content.decode()
    assert f"not checked: {REASON}" in page and "checked against the source text" not in page
    (cited,) = client.get(reverse("api:claim-detail", args=[claim.pk])).json()["citations"]
    assert (cited["verification"], cited["unchecked_reason"]) == ("no_text", REASON)
    assert cited["check"] == f"not checked: {REASON}"
    (row,) = [r for r in json.loads(b"".join(client.get("/claims.json").streaming_content)) if r["key"] == claim.key]
    assert row["citations"][0]["unchecked_reason"] == REASON


# -- the evidence of a claim past draft ----------------------------------------------------------


@pytest.fixture
def published(client, curator, editor, held):
    client.force_login(curator)
    claim = add_claim(client, held, QUOTE)
    client.force_login(editor)
    client.post(change_url(claim), {**change_data(claim), "_publish": "1"})
    claim.refresh_from_db()
    assert claim.status == Claim.Status.PUBLISHED
    return claim


def curator_attempts(client, curator, published, held):
    """Every way a curator could try to change a published claim's evidence."""
    citation = published.citations.get()
    draft = Claim.objects.create(source=held, key="a-draft", text="A draft.", kind="event")
    citation_admin = "admin:claims_citation_"
    yield (
        "inline",
        lambda: client.post(change_url(published), change_data(published, **{"citations-0-quote": "Invented words."})),
    )
    yield (
        "inline add",
        lambda: client.post(
            change_url(published),
            change_data(
                published,
                **{
                    "citations-TOTAL_FORMS": "2",
                    "citations-1-source": held.pk,
                    "citations-1-quote": "Tencent held second place",
                    "citations-1-locator": "p. 3",
                },
            ),
        ),
    )
    yield (
        "inline delete",
        lambda: client.post(change_url(published), change_data(published, **{"citations-0-DELETE": "on"})),
    )
    yield (
        "citation add",
        lambda: client.post(
            reverse(citation_admin + "add"),
            {"claim": published.pk, "source": held.pk, "quote": "Invented words.", "locator": "p. 1"},
        ),
    )
    yield (
        "citation change",
        lambda: client.post(
            reverse(citation_admin + "change", args=[citation.pk]),
            {"claim": published.pk, "source": held.pk, "quote": "Invented words.", "locator": "p. 1"},
        ),
    )
    yield (
        "citation move",
        lambda: client.post(
            reverse(citation_admin + "change", args=[citation.pk]),
            {"claim": draft.pk, "source": held.pk, "quote": citation.quote, "locator": "p. 1"},
        ),
    )
    yield (
        "citation delete",
        lambda: client.post(reverse(citation_admin + "delete", args=[citation.pk]), {"post": "yes"}),
    )
    yield (
        "bulk delete",
        lambda: client.post(
            reverse(citation_admin + "changelist"),
            {"action": "delete_selected", "_selected_action": [citation.pk], "post": "yes"},
        ),
    )
    # Through a draft's inline: claim the published claim's citation as the draft's own.
    draft_data = change_data(
        draft,
        **{
            "citations-TOTAL_FORMS": "1",
            "citations-INITIAL_FORMS": "1",
            "citations-0-id": citation.pk,
            "citations-0-claim": draft.pk,
            "citations-0-source": held.pk,
            "citations-0-quote": "Invented words.",
            "citations-0-locator": "p. 1",
        },
    )
    yield "move through a draft", lambda: client.post(change_url(draft), draft_data)
    first = published.history.earliest()
    yield (
        "revert",
        lambda: client.post(
            reverse("admin:claims_claim_simple_history", args=[published.pk, first.history_id]),
            change_data(published, **{"citations-0-quote": "Invented words."}),
        ),
    )


def test_a_curator_cannot_change_the_evidence_of_a_published_claim(client, curator, published, held):
    before = public_views(client, published)
    evidence_before = list(Citation.objects.order_by("id").values())
    client.force_login(curator)
    tried = []
    for path, attempt in curator_attempts(client, curator, published, held):
        response = attempt()
        tried.append(path)
        assert response.status_code in (200, 302, 403), path
        assert list(Citation.objects.order_by("id").values()) == evidence_before, path
    assert len(tried) == 10
    assert public_views(client, published) == before


def test_the_model_layer_refuses_too(published, held):
    citation = published.citations.get()
    citation.quote = "Invented words."
    attempts = {
        "save": citation.save,
        "update": lambda: Citation.objects.filter(pk=citation.pk).update(quote="Invented words."),
        "delete": lambda: Citation.objects.get(pk=citation.pk).delete(),
        "queryset delete": lambda: Citation.objects.filter(claim=published).delete(),
        "bulk create": lambda: Citation.objects.bulk_create(
            [Citation(claim=published, source=held, quote="More.", locator="p. 1")]
        ),
    }
    for name, attempt in attempts.items():
        with pytest.raises(evidence.EvidenceLocked), transaction.atomic():
            attempt()
        assert list(Citation.objects.filter(claim=published).values_list("quote", flat=True)) == [QUOTE], name


def test_an_editor_changes_published_evidence_only_to_a_verified_quote(client, editor, published, held):
    client.force_login(editor)
    response = client.post(change_url(published), change_data(published, **{"citations-0-quote": "Invented words."}))
    assert response.status_code == 200 and "takes only checked quotes" in response.content.decode()
    response = client.post(change_url(published), change_data(published, **{"citations-0-DELETE": "on"}))
    assert response.status_code == 200 and "needs at least one citation" in response.content.decode()
    assert published.citations.get().quote == QUOTE

    shorter = "Tencent held second place"
    response = client.post(change_url(published), change_data(published, **{"citations-0-quote": shorter}))
    assert response.status_code == 302
    assert published.citations.get().quote == shorter and published.citations.get().verification == "exact"
    latest = published.history.latest()
    assert latest.history_change_reason.startswith("evidence changed by editor") and latest.history_user == editor
    # The model layer keeps a published claim's last citation even for an editor.
    with (
        evidence.changing_evidence(editor),
        pytest.raises(evidence.EvidenceLocked, match="at least one citation"),
        transaction.atomic(),
    ):
        published.citations.get().delete()


# -- a new text verifies every quote again ----------------------------------------------------------


def test_uploading_a_text_verifies_the_sources_quotes_again(client, curator, report):
    client.force_login(curator)
    claim = add_claim(client, report, QUOTE)
    assert claim.citations.get().verification == "no_text"
    response = upload(client, report, "cloud.txt", TEXT.encode())
    messages = [str(m) for m in response.wsgi_request._messages]
    assert any("1 quote(s) verified again: 1 exact; 1 changed" in m for m in messages), messages
    assert any("was no source text, is now exact" in m for m in messages), messages
    citation = claim.citations.get()
    assert (citation.verification, citation.position, citation.prefix) == ("exact", 15, "Cloud markets.")


def test_a_text_that_would_unverify_a_published_quote_is_refused(client, editor, published, held):
    client.force_login(editor)
    response = upload(client, held, "other.txt", b"A different document altogether.")
    assert response.status_code == 200
    assert "would leave published claims citing quotes it does not hold" in response.content.decode()
    assert FullText.objects.get(source=held).text == TEXT


def test_a_pdf_sources_quote_gets_its_page_from_the_page_map(client, curator, report):
    report.pages = "779–781"
    report.save()
    client.force_login(curator)
    upload(client, report, "article.pdf", numbered_pdf(["Front matter.", "Introduction.", TEXT], first=779))
    claim = add_claim(client, report, "Tencent held second place", locator="")
    citation = claim.citations.get()
    assert (citation.page, citation.locator) == ("781", "p. 781")
    # A locator naming another page is flagged on the claim's page.
    other = add_claim(client, report, "Huawei was growing fast", key="huawei", locator="p. 779")
    assert other.citations.get().page_disagrees
    page = client.get(change_url(other)).content.decode()
    assert "the text puts the quote on p. 781" in page


# -- found by review ------------------------------------------------------------------------------


def test_save_and_publish_after_deleting_the_only_citation_is_refused(client, curator, editor, held):
    client.force_login(curator)
    claim = add_claim(client, held, QUOTE)
    client.force_login(editor)
    response = client.post(change_url(claim), {**change_data(claim, **{"citations-0-DELETE": "on"}), "_publish": "1"})
    claim.refresh_from_db()
    assert claim.status == Claim.Status.DRAFT and not claim.citations.exists()
    assert response.status_code == 302


def test_use_the_source_words_only_for_a_near_miss(client, curator, held):
    client.force_login(curator)
    claim = add_claim(client, held, "Tencent invented the smartphone in 1850 and sold it to Nokia.")
    citation = claim.citations.get()
    assert citation.verification == "not_found"
    page = client.get(change_url(claim)).content.decode()
    assert "The nearest passage" in page and "Use the source’s words" not in page
    client.post(change_url(claim), {**change_data(claim), "_use_source_words": str(citation.pk)})
    assert claim.citations.get().quote == citation.quote
    for odd in ("²", "-1", "1e3", "x"):
        response = client.post(change_url(claim), {**change_data(claim), "_use_source_words": odd})
        assert response.status_code == 302, odd


def test_use_the_source_words_never_duplicates_a_citation(client, curator, held):
    client.force_login(curator)
    claim = add_claim(client, held, QUOTE)
    data = change_data(
        claim,
        **{
            "citations-TOTAL_FORMS": "2",
            "citations-1-source": held.pk,
            "citations-1-quote": MISQUOTE,
            "citations-1-locator": "p. 3",
        },
    )
    client.post(change_url(claim), data)
    fuzzy = claim.citations.get(quote=MISQUOTE)
    response = client.post(change_url(claim), {**change_data(claim), "_use_source_words": str(fuzzy.pk)}, follow=True)
    assert "already quotes the source" in response.content.decode()
    assert claim.citations.count() == 2


def test_workflow_changes_in_the_admin_protect_a_loaded_claim_from_the_next_load(client, editor, tmp_path):
    from claims.ingest.loaders import LoadFailed, load_corpus

    from .fixturefiles import fixture_tree, source_copy, write_source

    fixtures, texts = fixture_tree(tmp_path)
    load_corpus([fixtures], texts_dir=str(texts))
    claim = Claim.objects.get(key="alibaba-cloud-share-2019")
    client.force_login(editor)
    changelist = reverse("admin:claims_claim_changelist")
    client.post(changelist, {"action": "retract", "_selected_action": [claim.pk], "reason": "Misread."})
    claim.refresh_from_db()
    assert claim.status == Claim.Status.RETRACTED and claim.admin_changed_at is not None
    data = source_copy()
    data["claims"][0]["notes"] = "A later note."
    write_source(fixtures, data)
    with pytest.raises(LoadFailed, match="1 error"):
        load_corpus([fixtures], texts_dir=str(texts))
    assert Claim.objects.get(pk=claim.pk).status == Claim.Status.RETRACTED


def test_an_unchanged_save_is_not_an_admin_edit(client, editor, tmp_path):
    from claims.ingest.loaders import load_corpus

    from .fixturefiles import fixture_tree

    fixtures, texts = fixture_tree(tmp_path)
    load_corpus([fixtures], texts_dir=str(texts))
    claim = Claim.objects.get(key="jack-ma-keep-investing")
    client.force_login(editor)
    data = change_data(claim, speaker=claim.speaker, companies=[c.pk for c in claim.companies.all()])
    data["topics"] = [t.pk for t in claim.topics.all()]
    response = client.post(change_url(claim), data)
    assert response.status_code == 302
    assert Claim.objects.get(pk=claim.pk).admin_changed_at is None


def test_only_an_editor_replaces_a_text_and_the_old_one_is_kept(client, curator, editor, held):
    client.force_login(curator)
    response = upload(client, held, "new.txt", (TEXT + "More words.").encode())
    assert "only an editor can replace it" in " ".join(response.context["adminform"].form.errors["text_upload"])
    assert FullText.objects.get(source=held).text == TEXT
    client.force_login(editor)
    response = upload(client, held, "new.txt", (TEXT + "More words.").encode())
    assert response.status_code == 302
    assert [h.text for h in FullText.history.filter(source_id=held.pk).order_by("history_id")] == [
        TEXT,
        TEXT + "More words.",
    ]


def test_a_one_word_quote_proves_nothing(client, curator, held):
    client.force_login(curator)
    data = {
        "source": held.pk,
        "key": "dot",
        "text": "A claim.",
        "kind": "event",
        "citations-TOTAL_FORMS": "1",
        "citations-INITIAL_FORMS": "0",
        "citations-0-source": held.pk,
        "citations-0-quote": "China",
        "citations-0-locator": "p. 1",
        "relations_from-TOTAL_FORMS": "0",
        "relations_from-INITIAL_FORMS": "0",
    }
    response = client.post(reverse("admin:claims_claim_add"), data)
    assert response.status_code == 200 and "at least 2 words" in response.content.decode()


def test_a_sources_reason_covers_its_quotes_in_the_admin_too(client, curator, editor, report):
    report.unchecked_reason = REASON
    report.save()
    client.force_login(curator)
    claim = add_claim(client, report, "Words from a printed book.")
    assert claim.citations.get().unchecked_reason == REASON
    client.force_login(editor)
    client.post(change_url(claim), {**change_data(claim), "_publish": "1"})
    assert Claim.objects.get(pk=claim.pk).status == Claim.Status.PUBLISHED


def test_the_editor_sees_whose_text_a_quote_was_checked_against(client, curator, editor, report):
    client.force_login(curator)
    upload(client, report, "cloud.txt", TEXT.encode())
    claim = add_claim(client, report, QUOTE)
    client.force_login(editor)
    page = client.get(change_url(claim)).content.decode()
    assert "checked against the source text (uploaded file “cloud.txt” by curator on" in page
