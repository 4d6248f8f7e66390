"""Small fixture files and a database fingerprint, for the loader's tests."""

import copy
import hashlib
import json

from django.apps import apps
from django.db import connection

SOURCE_TEXT = (
    "Chapter one.\nAlibaba’s cloud unit held 43 percent of China’s cloud mar-\nket in 2019, "
    "ahead of Tencent. Mobile payments in China reached $5.5 trillion in 2016.\n"
    "“We will keep investing,” said Jack Ma, who founded Ali-\nbaba in 1999.\n"
)
OTHER_TEXT = "A different report. Tencent’s WeChat had one billion users in 2018.\n"

VOCABULARY = {
    "companies": {
        "companies": [
            {
                "slug": "alibaba",
                "name": "Alibaba Group",
                "aliases": ["Alibaba"],
                "country": "CN",
                "wikidata": "Q1359568",
            },
            {"slug": "ant-financial", "name": "Ant Financial", "aliases": ["Ant Group"], "parent": "alibaba"},
            {"slug": "tencent", "name": "Tencent", "country": "CN"},
        ]
    },
    "topics": {
        "topics": [
            {"slug": "digital-economy", "name": "Digital economy"},
            {"slug": "cloud-computing", "name": "Cloud computing", "parent": "digital-economy"},
            {"slug": "fintech", "name": "Fintech", "parent": "digital-economy"},
        ]
    },
}

SOURCE = {
    "source": {
        "key": "test-report-2019",
        "kind": "report",
        "title": "A Test Report: Cloud and Payments",
        "authors": [{"family": "Sacks", "given": "Samm"}, {"organisation": "CSIS"}],
        "publisher": "CSIS",
        "published": "2019-05",
        "url": "https://example.org/report",
        "text_file": "report.txt",
    },
    "claims": [
        {
            "key": "alibaba-cloud-share-2019",
            "text": "Alibaba held 43% of China's cloud market in 2019.",
            "kind": "figure",
            "status": "published",
            "companies": ["alibaba"],
            "topics": ["cloud-computing"],
            "period": "2019",
            "value": {"number": 43, "unit": "percent", "metric": "Alibaba cloud market share in China"},
            "citations": [
                {"quote": "Alibaba's cloud unit held 43 percent of China's cloud market in 2019", "locator": "p. 1"}
            ],
        },
        {
            "key": "mobile-payments-2016",
            "text": "China's mobile payments reached USD 5.5 trillion in 2016.",
            "kind": "figure",
            "status": "published",
            "topics": ["fintech"],
            "period": "2016",
            "value": {"number": 5.5, "unit": "USD", "scale": "trillion", "metric": "China mobile-payment market size"},
            "citations": [{"quote": "Mobile payments in China reached $5.5 trillion in 2016.", "locator": "p. 1"}],
            "relations": [{"type": "supports", "claim": "alibaba-cloud-share-2019", "note": "Same report."}],
        },
        {
            "key": "jack-ma-keep-investing",
            "text": "Jack Ma said Alibaba would keep investing.",
            "kind": "quotation",
            "status": "draft",
            "speaker": "Jack Ma",
            "companies": ["alibaba"],
            "topics": ["digital-economy"],
            "citations": [{"quote": "“We will keep investing,” said Jack Ma", "locator": "p. 2"}],
        },
    ],
}


def fixture_tree(tmp_path, source=None, extra_sources=()):
    """Write vocabularies, one source file and the source texts; return (fixtures dir, texts dir)."""
    fixtures = tmp_path / "fixtures"
    (fixtures / "sources").mkdir(parents=True, exist_ok=True)
    for name, data in VOCABULARY.items():
        (fixtures / f"{name}.json").write_text(json.dumps(data), encoding="utf-8")
    for data in (source or SOURCE, *extra_sources):
        write_source(fixtures, data)
    texts = tmp_path / "texts"
    texts.mkdir(exist_ok=True)
    (texts / "report.txt").write_text(SOURCE_TEXT, encoding="utf-8")
    (texts / "other.txt").write_text(OTHER_TEXT, encoding="utf-8")
    return fixtures, texts


def write_source(fixtures, data):
    path = fixtures / "sources" / f"{data['source']['key']}.json"
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    return path


def source_copy():
    return copy.deepcopy(SOURCE)


def database_fingerprint():
    """Row counts and a checksum of every table of the claims app (and its history)."""
    result = {}
    with connection.cursor() as cursor:
        for model in apps.get_app_config("claims").get_models(include_auto_created=True):
            table = model._meta.db_table
            cursor.execute(f'SELECT * FROM "{table}"')
            rows = sorted(repr(row) for row in cursor.fetchall())
            result[table] = (len(rows), hashlib.sha256("\n".join(rows).encode()).hexdigest())
    return result


def numbered_pdf(pages, first=1):
    """A PDF whose pages hold these texts, each with its printed page number
    (from `first`) in a running footer, as journal articles print them."""
    from fpdf import FPDF  # a test-only dependency

    pdf = FPDF()
    pdf.set_auto_page_break(False)
    pdf.set_font("helvetica", size=11)
    for number, text in enumerate(pages, start=first):
        pdf.add_page()
        pdf.set_xy(15, 20)
        pdf.multi_cell(180, 6, text.replace("’", "'").replace("“", '"').replace("”", '"'))
        pdf.set_xy(15, 280)
        pdf.cell(180, 6, f"HERALD OF THE RUSSIAN ACADEMY OF SCIENCES Vol. 90 No. 6 2020    {number}")
    return bytes(pdf.output())
