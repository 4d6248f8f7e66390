"""Security tests of the public surface (issue 9).

Nothing unpublished leaks through any public URL; text from the corpus is
escaped wherever it is shown; no query string makes the site fail; CSV
exports are inert in a spreadsheet; and a curator cannot publish by any
request.

The public URLs are found by walking the URL resolver, not listed here, so a
view added later (an export, a feed, a sitemap) is tested without touching
this file. Only the admin and the API's docs page are left out.
"""

import base64
import csv
import io
import json
import re
from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import quote, quote_plus, urlencode
from xml.etree import ElementTree

import pytest
from django.conf import settings as django_settings
from django.urls import URLResolver, get_resolver, reverse
from django.utils.html import escape
from django.utils.regex_helper import normalize
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from claims.dataout.rows import FORMULA_PREFIXES, claim_row, csv_lines
from claims.models import Author, Claim, ClaimRelation, Company, FullText, Source, Topic

from .conftest import cite, make_claim
from .test_admin import claim_form

pytestmark = pytest.mark.django_db


# -- every public URL, from the resolver ---------------------------------------------------

# Namespaces and URL names that are not the public site: the curators' admin,
# and the API docs page (a shell for Swagger UI's static assets, no data).
PRIVATE_NAMESPACES = {"admin"}
PRIVATE_NAMES = {"api:docs"}

# URL parameters that name a file format rather than an object.
FORMAT_PARAMS = {"format", "fmt", "ext", "extension"}
FORMATS = ["csv", "json", "jsonl", "bib", "ris", "xml", "atom", "txt"]


@dataclass(frozen=True)
class Route:
    name: str  # "claims:claim-detail", or the pattern itself when it has no name
    template: str  # "claims/%(pk)s/"
    params: tuple  # ("pk",)
    view: object  # the view class, when there is one

    def __str__(self):
        return self.name

    def url(self, **values):
        return "/" + self.template % {name: quote(str(value), safe="") for name, value in values.items()}

    def kind(self, param):
        """Which object fills a parameter: claim, source, company, topic, format, or None if unknown."""
        for kind in ("claim", "source", "company", "topic"):
            if kind in param:
                return kind
        if param in FORMAT_PARAMS:
            return "format"
        if param == "key":
            return "source"
        text = f"{self.name} {self.template}"
        for kind, word in (("company", "compan"), ("topic", "topic"), ("source", "source"), ("claim", "claim")):
            if word in text:
                return kind
        return None

    @property
    def filters(self):
        """The names of the FilterSet filters the view reads from the query string."""
        filterset_class = getattr(self.view, "filterset_class", None)
        return sorted(filterset_class.base_filters) if filterset_class else []


def public_routes():
    """Every URL pattern of the site but the admin's and the API docs', found by walking the resolver."""
    routes = []

    def walk(patterns, prefix, namespace):
        for pattern in patterns:
            regex = pattern.pattern.regex.pattern
            regex = prefix + (regex[1:] if prefix and regex.startswith("^") else regex)
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, regex, ":".join(filter(None, [namespace, pattern.namespace])))
                continue
            if namespace.split(":")[0] in PRIVATE_NAMESPACES:
                continue
            name = f"{namespace}:{pattern.name}" if namespace and pattern.name else pattern.name or regex
            template, params = normalize(regex)[0]
            if name in PRIVATE_NAMES or template.startswith(django_settings.STATIC_URL.lstrip("/")):
                continue
            view = getattr(pattern.callback, "view_class", None) or getattr(pattern.callback, "cls", None)
            routes.append(Route(name, template, tuple(params), view))

    walk(get_resolver().url_patterns, "", "")
    return routes


PUBLIC_ROUTES = public_routes()
# Lists: public URLs without parameters in their path (they may still filter by query string).
LIST_ROUTES = [route for route in PUBLIC_ROUTES if not route.params]
# Lists that read a query string: all but the API schema and the health check.
QUERY_ROUTES = [route for route in LIST_ROUTES if route.name not in ("api:schema", "healthz")]


def test_the_walk_finds_the_public_site():
    names = {route.name for route in PUBLIC_ROUTES}
    assert {"claims:claim-list", "claims:claim-detail", "api:claim-list", "api:source-detail"} <= names
    assert not any(name.startswith("admin:") for name in names) and "api:docs" not in names


def filled_urls(route, values):
    """The route's URLs with each parameter taken in turn through its values
    ({kind: [value, ...]}), the others at their first value."""
    choices = {param: values.get(route.kind(param)) or values["any"] for param in route.params}
    first = {param: options[0] for param, options in choices.items()}
    urls = [route.url(**first)]
    for param, options in choices.items():
        urls += [route.url(**{**first, param: option}) for option in options[1:]]
    return list(dict.fromkeys(urls))


def with_query(url, params):
    return f"{url}?{urlencode(params, doseq=True)}" if params else url


def body_of(response):
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return content.decode("utf-8", errors="replace")


def content_type(response):
    return response.get("Content-Type", "").split(";")[0].strip().lower()


def without_echoes(body, values):
    """The body without the values the request itself sent, raw or encoded:
    a page may repeat its own query ("Metric: ...") without leaking anything."""
    for value in sorted({str(v) for v in values}, key=len, reverse=True):
        for form in {value, escape(value), quote(value), quote_plus(value), json.dumps(value)[1:-1]}:
            body = body.replace(form, "")
    return body


def query_values(params):
    for value in params.values():
        yield from value if isinstance(value, list) else [value]


# -- 1. nothing unpublished leaks ------------------------------------------------------------


@pytest.fixture
def secrets(corpus):
    """The public corpus plus, for each unpublished status, a claim with a
    unique marker in every field it has; a source, a company and a topic that
    only those claims use; relations to published claims; and a published
    claim whose history holds a marker."""
    c = corpus
    c.markers = []

    def mark(name):
        marker = f"zq{name}"
        c.markers.append(marker)
        return marker

    # A published source's full text is held privately: no word of it that is
    # not in a quote or its short context may appear on a public URL.
    FullText.objects.create(
        source=c.sacks,
        text=f"Private pages. {mark('fulltextword')} appears only here, far from any quote.\n" * 3,
        sha256="0" * 64,
        origin=FullText.Origin.UPLOAD,
        origin_name=f"{mark('fulltextfilename')}.pdf",
        page_map=[[0, mark("fulltextpage")]],
    )
    c.secret_source = Source.objects.create(
        key=mark("hiddensourcekey"),
        kind=Source.Kind.REPORT,
        title=f"Secret okapi report {mark('hiddensourcetitle')}",
        publisher=mark("hiddenpublisher"),
    )
    Author.objects.create(source=c.secret_source, position=0, family=mark("hiddenauthor"), given="A.")
    kinds = {
        Claim.Status.DRAFT: (c.sacks, Claim.Kind.QUOTATION, {}),
        Claim.Status.REVIEW: (c.secret_source, Claim.Kind.FIGURE, figure_fields("99", "billion", "USD")),
        Claim.Status.RETRACTED: (c.danilin, Claim.Kind.FORECAST, {}),
    }
    c.secrets = []
    for status, (source, kind, fields) in kinds.items():
        claim = Claim(
            source=source,
            key=mark(f"{status}key"),
            text=f"Okapi narwhal {mark(f'{status}text')} about Alibaba payments.",
            kind=kind,
            status=status,
            metric=mark(f"{status}metric"),
            speaker=mark(f"{status}speaker"),
            notes=mark(f"{status}notes"),
            retraction_reason=mark("retractionreason") if status == Claim.Status.RETRACTED else "",
            **fields,
        )
        claim.set_period("2019")
        claim.save()
        claim.companies.set([c.alibaba, c.hidden_company])
        claim.topics.set([c.fintech, c.hidden_topic])
        cite(
            claim=claim,
            source=c.secret_source,
            quote=f"Quagga {mark(f'{status}quote')} says so.",
            locator=mark(f"{status}locator"),
        )
        cite(claim=claim, source=c.sacks, quote=f"Quagga {mark(f'{status}otherquote')} again.", locator="p. 9")
        ClaimRelation.objects.create(
            from_claim=claim, to_claim=c.market_2018, type="contradicts", note=mark(f"{status}relationnote")
        )
        ClaimRelation.objects.create(
            from_claim=c.rivalry, to_claim=claim, type="supports", note=mark(f"{status}reverserelationnote")
        )
        c.secrets.append(claim)
    # A figure in review for a published metric: not among "other sources say", nor a disagreement.
    same_metric = Claim(
        source=c.danilin,
        key="same-metric-in-review",
        text=f"Okapi {mark('samemetrictext')} figure.",
        kind=Claim.Kind.FIGURE,
        status=Claim.Status.REVIEW,
        **figure_fields("999", "trillion", "USD", c.market_2018.metric),
    )
    same_metric.set_period("2018")
    same_metric.save()
    cite(claim=same_metric, source=c.danilin, quote=mark("samemetricquote"), locator="p. 3")
    c.secrets.append(same_metric)
    # An earlier version of a published claim is history, not public.
    published_text = c.rivalry.text
    c.rivalry.text = f"Okapi {mark('oldversion')} wording."
    c.rivalry.save()
    c.rivalry.text = published_text
    c.rivalry.save()

    c.public_values = {
        "claim": [c.market_2018.pk, c.rivalry.pk],
        "source": [c.sacks.key, c.danilin.key],
        "company": [c.alibaba.slug, c.hidden_company.slug],
        "topic": [c.fintech.slug, c.hidden_topic.slug, c.economy.slug],
        "format": FORMATS,
        "any": [c.market_2018.pk, c.sacks.key, c.alibaba.slug, c.fintech.slug],
    }
    c.secret_values = {**c.public_values, "source": [c.secret_source.key]}
    # Each list is asked for what only unpublished claims have.
    c.probes = [
        {},
        {"q": "okapi"},
        {"q": "quagga"},
        {"q": "narwhal or okapi"},
        {"company": c.hidden_company.slug},
        {"topic": c.hidden_topic.slug},
        {"source": c.secret_source.key},
        {"metric": "zqreviewmetric"},
        {"kind": ["quotation", "forecast"]},
        {"year": "2019"},
        {"period_from": "2019", "period_to": "2019"},
        {"status": ["draft", "review", "retracted"], "include_unpublished": "1", "preview": "1"},
        {"show": ["company", "topic", "source", "kind", "year"]},
        {"within": c.hidden_topic.slug, "all": "1"},
        {"sort": "oldest", "page_size": "500"},
    ]
    return c


def figure_fields(number, scale, unit, metric=""):
    fields = {"value": Decimal(number), "scale": scale, "unit": unit, "value_qualifier": "exact"}
    return {**fields, "metric": metric} if metric else fields


def assert_no_markers(client, url, markers, sent):
    response = client.get(url)
    assert response.status_code < 500, url
    body = without_echoes(body_of(response), sent).lower()
    leaked = [marker for marker in markers if marker in body]
    assert not leaked, f"{url} ({response.status_code}) shows {leaked}"
    return response


@pytest.mark.parametrize("route", PUBLIC_ROUTES, ids=str)
def test_nothing_unpublished_leaks(client, secrets, route):
    c = secrets
    urls = filled_urls(route, c.public_values) + filled_urls(route, c.secret_values)
    for url in dict.fromkeys(urls):
        path_values = url.strip("/").split("/")
        # Lists are asked the probing query strings; a page about one object as it is.
        for params in c.probes if not route.params else [{}]:
            assert_no_markers(client, with_query(url, params), c.markers, [*path_values, *query_values(params)])
    # Unpublished claims have no public address at all.
    for param in route.params:
        if route.kind(param) == "claim":
            for claim in c.secrets + c.unpublished:
                first = {p: c.public_values.get(route.kind(p), c.public_values["any"])[0] for p in route.params}
                url = route.url(**{**first, param: claim.pk})
                assert client.get(url).status_code == 404, url


# -- 2. text from the corpus is escaped everywhere ----------------------------------------------

XSS = "<script>alert(1)</script>"
HOSTILE_TEXT = f'{XSS} Alibaba\'s "cloud" & payments </script><b onmouseover="alert(2)">x</b>'
HOSTILE_QUOTE = f"He said \"{XSS}\" & 'left' </script>"
HOSTILE_TITLE = f'{XSS} Tom & Jerry\'s "Report" </script>'
HOSTILE_NAME = f'{XSS} & Co\'s "Group"'
HOSTILE_METRIC = f'Tom & Jerry\'s "{XSS}" share'

# Script a browser would run: any <script> but one with a src, and JSON data blocks (JSON-LD, json_script).
DATA_BLOCK_TYPE = r"type=[\"']?application/(?:ld\+)?json"
INLINE_SCRIPT = re.compile(rf"<script(?![^>]*\b(?:src=|{DATA_BLOCK_TYPE}))", re.IGNORECASE)
DATA_BLOCK = re.compile(rf"<script[^>]*{DATA_BLOCK_TYPE}[^>]*>(.*?)</script>", re.IGNORECASE | re.DOTALL)


@pytest.fixture
def hostile(corpus):
    """Published claims whose text, quote, source, company, topic, metric and
    speaker carry markup, quotes and ampersands."""
    c = corpus
    c.hostile_source = Source.objects.create(
        key="hostile-source",
        kind=Source.Kind.JOURNAL_ARTICLE,
        title=HOSTILE_TITLE,
        venue=HOSTILE_NAME,
        publisher=HOSTILE_NAME,
        pages="1–2",
    )
    Author.objects.create(source=c.hostile_source, position=0, family=HOSTILE_NAME, given="A. & B.")
    c.hostile_company = Company.objects.create(name=HOSTILE_NAME, slug="hostile-co", aliases=[HOSTILE_NAME])
    c.hostile_topic = Topic.objects.create(name=HOSTILE_NAME, slug="hostile-topic", description=HOSTILE_TEXT)
    c.hostile = []
    for key, source, number in (("hostile", c.hostile_source, "1"), ("hostile-rival", c.sacks, "2")):
        claim = Claim(
            source=source,
            key=key,
            text=HOSTILE_TEXT,
            kind=Claim.Kind.FIGURE,
            status=Claim.Status.PUBLISHED,
            speaker=HOSTILE_NAME,
            notes=HOSTILE_TEXT,
            **figure_fields(number, "billion", "USD", HOSTILE_METRIC),
        )
        claim.set_period("2019")
        claim.save()
        claim.companies.set([c.hostile_company, c.alibaba])
        claim.topics.set([c.hostile_topic])
        cite(claim=claim, source=c.hostile_source, quote=HOSTILE_QUOTE, locator="p. 1 & 2")
        c.hostile.append(claim)
    ClaimRelation.objects.create(from_claim=c.hostile[0], to_claim=c.hostile[1], type="supports", note=HOSTILE_TEXT)
    c.public_values = {
        "claim": [c.hostile[0].pk],
        "source": [c.hostile_source.key],
        "company": [c.hostile_company.slug],
        "topic": [c.hostile_topic.slug],
        "format": FORMATS,
        "any": [c.hostile[0].pk, c.hostile_source.key, c.hostile_company.slug],
    }
    c.probes = [
        {},
        {"q": "alert"},
        {"q": XSS},  # reflected: the search box and the active filter show it
        {"metric": HOSTILE_METRIC},
        {"company": [c.hostile_company.slug, HOSTILE_NAME]},
        {"topic": c.hostile_topic.slug},
        {"source": c.hostile_source.key},
        {"show": ["company", "topic", "source"]},
        {"within": c.hostile_topic.slug},
    ]
    return c


def strings_in(data):
    """Every string value in parsed JSON."""
    if isinstance(data, str):
        yield data
    elif isinstance(data, dict):
        for value in data.values():
            yield from strings_in(value)
    elif isinstance(data, list):
        for value in data:
            yield from strings_in(value)


def parse_json_body(body, kind):
    """The documents of a JSON or JSON Lines body."""
    if kind.endswith(("jsonl", "ndjson", "json-seq")):
        return [json.loads(line) for line in body.splitlines() if line.strip()]
    return [json.loads(body)]


def html_strings(where, body):
    """Assert an HTML page shows hostile text inertly; the strings of its JSON-LD blocks."""
    assert not INLINE_SCRIPT.search(body), f"{where}: inline <script>"
    assert 'onmouseover="alert' not in body, f"{where}: attribute breakout"
    assert "&amp;lt;script" not in body, f"{where}: escaped twice"
    found = []
    for block in DATA_BLOCK.findall(body):
        data = json.loads(block)  # a </script> inside would have cut the block short
        found += strings_in(data)
    return found


def check_xml(where, body):
    root = ElementTree.fromstring(body.encode())  # raw markup in text would not parse
    for element in root.iter():
        if element.get("type") in ("html", "xhtml") and element.text:
            assert "<script" not in element.text.lower(), f"{where}: script in an HTML element"


def check_escaped(url, response):
    """Assert the response shows hostile text inertly; returns the JSON strings it holds."""
    body, kind = body_of(response), content_type(response)
    where = f"{url} ({kind})"
    found = []
    if kind == "text/html":
        found += html_strings(where, body)
    elif "json" in kind:
        for data in parse_json_body(body, kind):
            found += strings_in(data)
    elif kind == "text/csv":
        for row in csv.reader(io.StringIO(body)):
            found += row
    elif "xml" in kind:
        check_xml(where, body)
    elif XSS in body:
        # Plain text (BibTeX, RIS ...) may carry the text as is, but never as HTML.
        assert response.get("X-Content-Type-Options") == "nosniff", f"{where}: browsers may sniff it as HTML"
    for value in found:
        if "alert(1)" in value:
            assert XSS in value, f"{where}: {value!r} is not the original text"
    return found


def test_corpus_text_is_escaped_everywhere(client, hostile):
    c = hostile
    values, pages = set(), []
    for route in PUBLIC_ROUTES:
        for url in filled_urls(route, c.public_values):
            for params in c.probes if not route.params else [{}]:
                full = with_query(url, params)
                response = client.get(full)
                assert response.status_code < 500, full
                values.update(check_escaped(full, response))
                if content_type(response) == "text/html":
                    pages.append(body_of(response))
    # Not vacuous: the API gives back the exact text, and the pages show it escaped.
    assert {HOSTILE_TEXT, HOSTILE_QUOTE, HOSTILE_TITLE, HOSTILE_NAME, HOSTILE_METRIC} <= values
    for text in (HOSTILE_TEXT, HOSTILE_QUOTE, HOSTILE_TITLE, HOSTILE_NAME, HOSTILE_METRIC):
        assert any(escape(text) in page for page in pages), text


# -- 3. no query string makes the site fail --------------------------------------------------

# What every list may read besides its FilterSet's filters: paging, facets, the coverage grid.
EXTRA_PARAMS = ["after", "before", "page_size", "sort", "show", "within", "all", "q"]

SQL_LIKE = [
    "' OR 1=1 --",
    '" OR ""="',
    "1; DROP TABLE claims_claim; --",
    "' UNION SELECT username, password FROM auth_user --",
    "%' AND 1=0 UNION SELECT NULL --",
    "\\'; SELECT pg_sleep(5); --",
    "*",
    "%",
    "_",
    "a:b NEAR(c d)",
    '"unclosed',
    "-",
    "or",
]
ODD_VALUES = [
    "",
    " ",
    "0",
    "0000",
    "-1",
    "²⁰¹⁸",
    "٢٠١٨",
    "2018-02-30",
    "2018-Q5",
    "2018-13",
    "0000-01-01",
    "9999-12-31",
    "10000",
    "99999999999999999999999999",
    "1e309",
    "NaN",
    "-Infinity",
    "\x00",
    "a\x00b",
    "\u202e\ufeff",
    "x" * 60_000,  # past SQLite's 50,000-byte limit on a LIKE pattern
    "\x1f" * 10_000,  # six characters each once escaped for JSON
    "null",
    "[]",
    "{}",
]


def cursors():
    """Well-formed cursors (base64 JSON lists) holding anything, as a crafted page link would."""
    scalar = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(min_value=-(2**70), max_value=2**70),
        st.floats(),
        st.text(max_size=10),
        st.fixed_dictionaries({"d": st.one_of(st.text(max_size=12), st.dates().map(str))}),
        st.lists(st.integers(), max_size=2),
    )
    return st.lists(scalar, max_size=3).map(
        lambda values: base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")
    )


def parameter_values():
    return st.one_of(
        st.text(max_size=20),  # any unicode, control characters and NUL included
        st.sampled_from(SQL_LIKE + ODD_VALUES),
        st.integers(min_value=-(10**30), max_value=10**30).map(str),
        st.text(min_size=1, max_size=3).map(lambda s: s * 3000),  # very long
        cursors(),
    )


def query_strings(names):
    """Query strings of up to six parameters, names repeated or not."""
    pairs = st.lists(st.tuples(st.sampled_from(names), parameter_values()), min_size=1, max_size=6)
    return pairs.map(urlencode)


def allowed_statuses(route):
    # The coverage grid within an unknown topic is a 404: that topic has no grid.
    return {200, 400, 404} if route.name == "claims:coverage" else {200, 400}


@pytest.mark.parametrize("route", QUERY_ROUTES, ids=str)
@settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_any_query_string_gets_an_answer_not_an_error(client, corpus, route, data):
    names = sorted({*route.filters, *EXTRA_PARAMS, "zz"})
    query = data.draw(query_strings(names), label="query")
    response = client.get(f"{route.url()}?{query}")
    assert response.status_code in allowed_statuses(route), query
    body_of(response)  # a streamed body must not fail half-way either


@pytest.mark.parametrize("route", QUERY_ROUTES, ids=str)
def test_odd_values_in_every_parameter(client, corpus, route):
    """Each SQL-like or odd value in every parameter at once, twice over: the
    HTML lists drop invalid filters one by one, so every filter sees it."""
    names = sorted({*route.filters, *EXTRA_PARAMS})
    for value in SQL_LIKE + ODD_VALUES:
        query = urlencode([(name, value) for name in names for _ in range(2)])
        assert client.get(f"{route.url()}?{query}").status_code in allowed_statuses(route), repr(value)


def nul_probes(route):
    """Query parameters with a NUL character: each parameter the list reads on
    its own (the API refuses a request at its first invalid filter), then page
    cursors holding one, in every sort order."""
    probes = [{name: "a\x00b"} for name in sorted({*route.filters, *EXTRA_PARAMS})]
    filterset_class = getattr(route.view, "filterset_class", None)
    sorts = [""]
    if filterset_class and "sort" in filterset_class.base_filters:
        sorts += [value for value, _ in filterset_class.base_filters["sort"].extra["choices"]]
    for sort in sorts:
        for size in (1, 2, 3):
            cursor = base64.urlsafe_b64encode(json.dumps(["a\x00"] * size).encode()).decode()
            probes += [{"sort": sort, "q": "a", "after": cursor}, {"sort": sort, "q": "a", "before": cursor}]
    return probes


@pytest.mark.parametrize("route", QUERY_ROUTES, ids=str)
def test_nul_characters_never_reach_the_database(client, corpus, route):
    """PostgreSQL refuses NUL in a query (SQLite does not): every list must stop them first."""
    for params in nul_probes(route):
        url = with_query(route.url(), params)
        assert client.get(url).status_code in allowed_statuses(route), url


def test_nul_characters_in_the_path_are_not_found(client, corpus):
    for route in PUBLIC_ROUTES:
        for param in route.params:
            url = route.url(**{p: "a\x00b" if p == param else corpus.sacks.key for p in route.params})
            assert client.get(url).status_code == 404, url


# -- 4. CSV exports are inert in a spreadsheet --------------------------------------------------

FORMULAS = ["=1+1", '=HYPERLINK("http://example.com","x")', "+1+1", "-1+1", "@SUM(A1)", "\t=1", "\r=1"]
NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?")


def assert_inert(rows, where):
    """No cell a spreadsheet would run: nothing starts with = + - @ tab or CR, but a number."""
    for row in rows:
        for cell in row:
            assert not cell.startswith(FORMULA_PREFIXES) or NUMBER.fullmatch(cell), f"{where}: {cell!r}"


@pytest.fixture
def formulas(corpus):
    """Published claims with a formula in every text field, from a source, about a company
    and in a topic named with formulas too."""
    c = corpus
    c.formula_source = Source.objects.create(key="formula-source", kind=Source.Kind.REPORT, title="=cmd|' /C calc'!A0")
    company = Company.objects.create(name="@SUM(1+1)", slug="formula-co", aliases=["+1"])
    topic = Topic.objects.create(name="-1+1", slug="formula-topic")
    c.formula_claims = []
    for n, formula in enumerate(FORMULAS):
        claim = Claim(
            source=c.formula_source,
            key=f"formula-{n}",
            text=formula,
            kind=Claim.Kind.FIGURE,
            status=Claim.Status.PUBLISHED,
            speaker=formula,
            notes=formula,
            **figure_fields("-5", "billion", formula, formula),
        )
        claim.set_period("2019")
        claim.save()
        claim.companies.set([company])
        claim.topics.set([topic])
        cite(claim=claim, source=c.formula_source, quote=formula, locator=formula)
        c.formula_claims.append(claim)
    c.public_values = {
        "claim": [c.formula_claims[0].pk],
        "source": [c.formula_source.key],
        "company": [company.slug],
        "topic": [topic.slug],
        "format": FORMATS,
        "any": [c.formula_claims[0].pk, c.formula_source.key, company.slug],
    }
    return c


def test_csv_rows_neutralise_formula_cells(formulas):
    claims = Claim.objects.filter(pk__in=[c.pk for c in formulas.formula_claims]).order_by("pk").for_export()
    columns = list(claim_row(formulas.formula_claims[0]))
    rows = list(csv.reader(io.StringIO("".join(csv_lines((claim_row(c) for c in claims), columns)))))
    assert_inert(rows, "csv_lines")
    texts = [row[columns.index("text")] for row in rows[1:]]
    assert texts == ["'" + formula for formula in FORMULAS]  # parses back to the neutralised text


def test_csv_exports_neutralise_formula_cells(client, formulas):
    served = []
    for route in PUBLIC_ROUTES:
        for url in filled_urls(route, formulas.public_values):
            for params in [{}, {"q": "sum"}, {"format": "csv"}] if not route.params else [{}]:
                response = client.get(with_query(url, params))
                if response.status_code == 200 and content_type(response) == "text/csv":
                    rows = list(csv.reader(io.StringIO(body_of(response))))
                    assert_inert(rows, url)
                    served.append(url)
    if not served:
        pytest.skip("No public URL serves CSV yet; test_csv_rows_neutralise_formula_cells covers csv_lines.")


# -- 5. a curator cannot publish by any request -------------------------------------------------


@pytest.fixture
def retracted(source, editor):
    """A claim an editor published and then retracted: its history holds a published version."""
    claim = make_claim(source, "retracted-claim", status=Claim.Status.REVIEW)
    claim.publish(editor)
    claim.save()
    claim.retract(editor, "Misquoted.")
    claim.save()
    return claim


def change_data(claim, source, company, topic, **overrides):
    """The claim's change form as the admin would post it, with overrides."""
    citation = claim.citations.get()
    return claim_form(
        source,
        company,
        topic,
        key=claim.key,
        **{"citations-INITIAL_FORMS": "1", "citations-0-id": citation.pk, "citations-0-quote": citation.quote},
        **overrides,
    )


def workflow(claim):
    claim.refresh_from_db()
    return claim.status, claim.published_at, claim.published_by_id


def test_curator_cannot_publish_through_the_forms(client, curator, source, alibaba, cloud):
    draft = make_claim(source, "draft-claim", status=Claim.Status.DRAFT)
    in_review = make_claim(source, "in-review", status=Claim.Status.REVIEW)
    client.force_login(curator)
    forged = {"status": "published", "published_by": curator.pk, "published_at": "2020-01-01 00:00:00"}

    change = reverse("admin:claims_claim_change", args=[draft.pk])
    assert client.post(change, change_data(draft, source, alibaba, cloud, **forged)).status_code == 302
    assert client.post(change, {**change_data(draft, source, alibaba, cloud), "_publish": "1"}).status_code == 403
    assert workflow(draft) == (Claim.Status.DRAFT, None, None)

    review_change = reverse("admin:claims_claim_change", args=[in_review.pk])
    assert client.post(review_change, change_data(in_review, source, alibaba, cloud, **forged)).status_code == 403
    assert workflow(in_review) == (Claim.Status.REVIEW, None, None)

    add = reverse("admin:claims_claim_add")
    assert client.post(add, claim_form(source, alibaba, cloud, key="added", **forged)).status_code == 302
    assert client.post(add, {**claim_form(source, alibaba, cloud, key="added-2"), "_publish": "1"}).status_code == 403
    assert workflow(Claim.objects.get(key="added")) == (Claim.Status.DRAFT, None, None)
    assert not Claim.objects.filter(key="added-2").exists()


def test_curator_cannot_publish_with_the_bulk_action(client, curator, source):
    claims = [make_claim(source, status, status=status) for status in (Claim.Status.DRAFT, Claim.Status.REVIEW)]
    client.force_login(curator)
    changelist = reverse("admin:claims_claim_changelist")
    for action in ("publish", "publish_claim", "submit_for_review"):
        client.post(changelist, {"action": action, "_selected_action": [c.pk for c in claims], "index": "0"})
    assert [workflow(c)[0] for c in claims] == [Claim.Status.REVIEW, Claim.Status.REVIEW]


def test_curator_cannot_revert_a_claim_to_its_published_version(client, curator, retracted, source, alibaba, cloud):
    version = retracted.history.filter(status=Claim.Status.PUBLISHED).latest("history_date")
    revert = reverse("admin:claims_claim_simple_history", args=[retracted.pk, version.history_id])
    client.force_login(curator)
    before = workflow(retracted)
    assert client.post(revert, {}).status_code == 403
    assert client.post(revert, change_data(retracted, source, alibaba, cloud)).status_code == 403
    assert workflow(retracted) == before and before[0] == Claim.Status.RETRACTED


def test_curator_cannot_revert_a_claim_in_review(client, curator, source, alibaba, cloud):
    claim = make_claim(source, "in-review", status=Claim.Status.DRAFT)
    claim.text = "Changed by the curator before review."
    claim.save()
    claim.submit(curator)
    claim.save()
    version = claim.history.filter(status=Claim.Status.DRAFT).earliest("history_date")
    revert = reverse("admin:claims_claim_simple_history", args=[claim.pk, version.history_id])
    client.force_login(curator)
    assert client.post(revert, change_data(claim, source, alibaba, cloud)).status_code == 403
    claim.refresh_from_db()
    assert claim.status == Claim.Status.REVIEW and claim.text == "Changed by the curator before review."


def test_a_revert_restores_content_never_status(client, editor, retracted, source, alibaba, cloud):
    """Even an editor's revert keeps the workflow: status changes only through publish and retract."""
    version = retracted.history.filter(status=Claim.Status.PUBLISHED).latest("history_date")
    revert = reverse("admin:claims_claim_simple_history", args=[retracted.pk, version.history_id])
    client.force_login(editor)
    before = workflow(retracted)
    response = client.post(revert, change_data(retracted, source, alibaba, cloud, text="Reverted wording."))
    assert response.status_code == 302
    assert workflow(retracted) == before
    assert retracted.text == "Reverted wording." and retracted.retraction_reason == "Misquoted."


# The health check answers any method, and only reads.
READS_ANY_METHOD = {"healthz"}


def test_no_public_url_accepts_a_write(client, curator, retracted):
    """The public site and the API are read-only, for anyone (here a signed-in curator)."""
    client.force_login(curator)
    draft = make_claim(retracted.source, "draft-claim", status=Claim.Status.DRAFT)
    values = {"claim": [draft.pk, retracted.pk], "source": [retracted.source.key], "any": [draft.pk]}
    before = sorted(Claim.objects.values_list("pk", "status", "text"))
    for route in PUBLIC_ROUTES:
        for url in filled_urls(route, values):
            for method in ("POST", "PUT", "PATCH", "DELETE"):
                response = client.generic(method, url, json.dumps({"status": "published"}), "application/json")
                if route.name not in READS_ANY_METHOD:
                    assert response.status_code in (403, 404, 405), f"{method} {url}: {response.status_code}"
    assert sorted(Claim.objects.values_list("pk", "status", "text")) == before
