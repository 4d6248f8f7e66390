"""The security harness: every public route found by walking the URL resolver,
the hostile values sent to them, and the checks their answers must pass.
The suites that use it are tests/test_public_security.py."""

import base64
import csv
import io
import json
import re
from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import quote, quote_plus, urlencode
from xml.etree import ElementTree

from django.conf import settings as django_settings
from django.urls import URLResolver, get_resolver
from django.utils.html import escape
from django.utils.regex_helper import normalize
from hypothesis import strategies as st

from claims.dataout.tabular import FORMULA_PREFIXES

from .test_admin import claim_form

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
        """Which object fills a parameter: claim (an id), claim_key (a claim's
        key, with its source's key beside it), metric (a metric's slug),
        source, company, topic, format, or None if unknown."""
        if param == "claim_key":
            return "claim_key"
        if "metric" in self.name:
            return "metric"
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


FORMULAS = ["=1+1", '=HYPERLINK("http://example.com","x")', "+1+1", "-1+1", "@SUM(A1)", "\t=1", "\r=1"]


NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?")


def assert_inert(rows, where):
    """No cell a spreadsheet would run: nothing starts with = + - @ tab or CR, but a number."""
    for row in rows:
        for cell in row:
            assert not cell.startswith(FORMULA_PREFIXES) or NUMBER.fullmatch(cell), f"{where}: {cell!r}"


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


# The one kind of page where a retracted claim's words may appear: its
# retraction notice (claims/public/retractions.py), at its permalink, its old
# address by id, and its API detail, each answering 410 Gone.
NOTICE_ROUTES = {"claims:claim-detail", "claims:claim-by-id", "api:claim-detail"}


def address_of(route, claim, first):
    """The claim's URL on a route about one claim (first: the other parameters' values)."""
    values = dict(first)
    for param in route.params:
        kind = route.kind(param)
        if kind == "claim_key":
            values[param] = claim.key
            values.update({p: claim.source.key for p in route.params if route.kind(p) == "source"})
        elif kind == "claim":
            values[param] = claim.pk
    return route.url(**values)


def assert_only_the_notice(client, route, claim, first, markers, allowed):
    """A claim's address on this route: a draft's or review's answers 404; a
    retracted claim's answers 410 with its notice on NOTICE_ROUTES, where
    only the `allowed` markers (its words, key and reason) may show, and 404
    anywhere else."""
    url = address_of(route, claim, first)
    response = client.get(url)
    if claim.status != "retracted" or route.name not in NOTICE_ROUTES:
        assert response.status_code == 404, url
        return
    assert response.status_code == 410, url
    body = body_of(response).lower()
    leaked = [marker for marker in markers if marker in body and marker not in allowed]
    assert not leaked, f"the notice at {url} shows {leaked}"
    assert "verified" not in body and "check-" not in body and '"citations"' not in body, (
        f"the notice at {url} shows evidence"
    )


# The health check answers any method, and only reads.
READS_ANY_METHOD = {"healthz"}
