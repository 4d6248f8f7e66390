"""Small named fixtures shared by the test modules."""

import datetime
import importlib
from pathlib import Path

import pytest
from django.db import connection

from claims import evidence
from claims.accounts import create_staff_user
from claims.models import Citation, Claim, Company, Source, Topic
from claims.scale import counts


def pytest_report_header(config):
    from django.conf import settings

    db = settings.DATABASES["default"]
    return f"database: {db['ENGINE'].rsplit('.', 1)[-1]} ({db['NAME']})"


@pytest.fixture
def workflow_groups(db):
    """The Curator and Editor groups that migration 0002 makes: a transactional
    test (the browser's live server) flushes them away for the tests after it."""
    from django.contrib.auth.models import Group, Permission

    migration = importlib.import_module("claims.migrations.0002_curator_and_editor_groups")
    for name, codenames in (("Curator", migration.CURATOR), ("Editor", migration.EDITOR)):
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.set(Permission.objects.filter(content_type__app_label="claims", codename__in=codenames))


@pytest.fixture
def curator(db):
    return create_staff_user("curator", "a-long-test-password", "curator")[0]


@pytest.fixture
def editor(db):
    return create_staff_user("editor", "a-long-test-password", "editor")[0]


@pytest.fixture
def source(db):
    return Source.objects.create(
        key="sacks-2018-disruptors",
        kind=Source.Kind.REPORT,
        title="Disruptors, Innovators, and Thieves",
        publisher="CSIS",
        published=datetime.date(2018, 1, 1),
        published_precision="month",
    )


@pytest.fixture
def alibaba(db):
    return Company.objects.create(name="Alibaba Group", slug="alibaba", aliases=["Alibaba"], country="CN")


@pytest.fixture
def cloud(db):
    return Topic.objects.create(name="Cloud computing", slug="cloud-computing")


def cite(**fields):
    """A citation made as load_corpus makes one: allowed on a claim past draft,
    where the admin and the model layer refuse anyone outside the workflow.
    These tests' sources have no text, so each quote stands unchecked with an
    editor's reason (as a fixture's source may state one), and can be published."""
    fields.setdefault("unchecked_reason", "checked by hand against the printed copy")
    with evidence.changing_evidence(evidence.LOADER):
        return Citation.objects.create(**fields)


def make_claim(source, key="claim", status=Claim.Status.PUBLISHED, cited=True, **fields):
    fields.setdefault("text", f"Claim {key} about Alibaba in 2018.")
    fields.setdefault("kind", Claim.Kind.EVENT)
    claim = Claim.objects.create(source=source, key=key, status=status, **fields)
    if cited:
        cite(claim=claim, source=source, quote=f"Quote for {key}.", locator="p. 1")
    return claim


@pytest.fixture
def published_claim(source, alibaba, cloud):
    claim = make_claim(source, "published-one")
    claim.companies.add(alibaba)
    claim.topics.add(cloud)
    return claim


@pytest.fixture
def on_postgres():
    return connection.vendor == "postgresql"


# -- a small public corpus, for the public pages ---------------------------------------
# Five published claims from two sources about three companies, filed under a
# topic hierarchy (digital economy › fintech › mobile payments; cloud apart),
# and one claim in each unpublished status, all mentioning "zebra" and filed
# under a company, topic and source that nothing published uses.


def figure(number, scale, unit, metric):
    from decimal import Decimal

    return {"value": Decimal(number), "scale": scale, "unit": unit, "metric": metric, "value_qualifier": "exact"}


@pytest.fixture
def corpus(db):
    from types import SimpleNamespace

    from claims.models import Author

    c = SimpleNamespace()
    c.alibaba = Company.objects.create(name="Alibaba Group", slug="alibaba", aliases=["Alibaba", "阿里巴巴"])
    c.ant = Company.objects.create(
        name="Ant Financial", slug="ant-financial", aliases=["Ant Group", "蚂蚁集团"], parent=c.alibaba, country="CN"
    )
    c.tencent = Company.objects.create(name="Tencent", slug="tencent", country="CN")
    c.hidden_company = Company.objects.create(name="Hidden Co", slug="hidden-co")

    c.economy = Topic.objects.create(name="Digital economy", slug="digital-economy")
    c.fintech = Topic.objects.create(name="Fintech and payments", slug="fintech", parent=c.economy)
    c.payments = Topic.objects.create(name="Mobile payments", slug="mobile-payments", parent=c.fintech)
    c.cloud = Topic.objects.create(name="Cloud computing", slug="cloud-computing")
    c.hidden_topic = Topic.objects.create(name="Hidden topic", slug="hidden-topic")

    c.sacks = Source.objects.create(
        key="sacks-2018-disruptors",
        kind=Source.Kind.REPORT,
        title="Disruptors, Innovators, and Thieves",
        publisher="CSIS",
        published=datetime.date(2018, 1, 1),
        published_precision="month",
        url="https://www.csis.org/analysis/disruptors",
    )
    Author.objects.create(source=c.sacks, position=0, family="Sacks", given="Samm")
    c.danilin = Source.objects.create(
        key="danilin-2020-covid",
        kind=Source.Kind.JOURNAL_ARTICLE,
        title="The Impact of the COVID Crisis on Chinese Platforms",
        venue="Herald of the Russian Academy of Sciences",
        volume="90",
        issue="6",
        pages="779–788",
        doi="10.1134/S1019331620060271",
        published=datetime.date(2020, 1, 1),
        published_precision="year",
    )
    Author.objects.create(source=c.danilin, position=0, family="Danilin", given="I. V.")
    c.hidden_source = Source.objects.create(key="hidden-source", kind=Source.Kind.OTHER, title="Hidden source")

    def claim(source, key, text, kind, period, companies, topics, quote, status=Claim.Status.PUBLISHED, **fields):
        made = Claim(source=source, key=key, text=text, kind=kind, status=status, **fields)
        made.set_period(period)
        made.save()
        made.companies.set(companies)
        made.topics.set(topics)
        cite(claim=made, source=source, quote=quote, locator="p. 1")
        return made

    market = "China mobile-payment market size"
    c.market_2018 = claim(
        c.sacks,
        "market-2018",
        "China's mobile-payment market was worth $15.4 trillion in 2018.",
        Claim.Kind.FIGURE,
        "2018",
        [c.alibaba, c.tencent],
        [c.payments],
        "China's mobile payments market is now valued at $15.4 trillion",
        **figure("15.4", "trillion", "USD", market),
    )
    c.market_2017 = claim(
        c.danilin,
        "market-2017",
        "China's mobile-payment market reached $5.5 trillion in 2017.",
        Claim.Kind.FIGURE,
        "2017",
        [c.ant],
        [c.payments],
        "the mobile payment market exceeded 5.5 trillion dollars",
        **figure("5.5", "trillion", "USD", market),
    )
    c.market_2018_low = claim(
        c.danilin,
        "market-2018-low",
        "Another estimate put China's 2018 mobile-payment market at $12 trillion.",
        Claim.Kind.FIGURE,
        "2018",
        [c.alibaba],
        [c.payments],
        "estimated at 12 trillion dollars in 2018",
        **figure("12", "trillion", "USD", market),
    )
    c.cloud_event = claim(
        c.danilin,
        "cloud-abroad",
        "Alibaba opened its first cloud data centre outside China in 2015.",
        Claim.Kind.EVENT,
        "2015",
        [c.alibaba],
        [c.cloud],
        "a step driven by the innovation of its cloud infrastructure",
    )
    c.rivalry = claim(
        c.sacks,
        "fintech-rivalry",
        "Tencent and Alibaba compete head to head in fintech.",
        Claim.Kind.ASSESSMENT,
        "2018-Q2",
        [c.alibaba, c.tencent],
        [c.fintech],
        "Tencent and Alibaba are locked in a fierce rivalry",
    )
    c.published = [c.market_2018, c.market_2017, c.market_2018_low, c.cloud_event, c.rivalry]

    hidden = {"companies": [c.alibaba, c.hidden_company], "topics": [c.fintech, c.hidden_topic]}
    c.draft = claim(
        c.sacks,
        "draft",
        "A zebra draft about Alibaba.",
        Claim.Kind.EVENT,
        "2019",
        quote="zebra quote",
        status=Claim.Status.DRAFT,
        **hidden,
    )
    c.in_review = claim(
        c.hidden_source,
        "review",
        "A zebra claim in review.",
        Claim.Kind.EVENT,
        "2019",
        quote="zebra review quote",
        status=Claim.Status.REVIEW,
        **hidden,
    )
    c.retracted = claim(
        c.sacks,
        "retracted",
        "A retracted zebra claim.",
        Claim.Kind.FORECAST,
        "2021",
        quote="retracted zebra quote",
        status=Claim.Status.RETRACTED,
        retraction_reason="Misread the source.",
        **hidden,
    )
    c.unpublished = [c.draft, c.in_review, c.retracted]
    # As after load_corpus: the public counts are complete, and from here on
    # every change keeps them exact through the model signals.
    counts.recount_all()
    return c


@pytest.fixture
def related(corpus):
    """Three public pairs among the corpus's published claims, and three
    relations that each touch a draft, a claim in review or a retracted claim."""
    from claims.models import ClaimRelation

    make = ClaimRelation.objects.create
    corpus.pairs = [
        make(
            from_claim=corpus.market_2018_low,
            to_claim=corpus.market_2018,
            type="contradicts",
            note="$12 trillion against $15.4 trillion for the same year.",
        ),
        make(from_claim=corpus.market_2018, to_claim=corpus.market_2017, type="updates", note="A year later."),
        make(from_claim=corpus.rivalry, to_claim=corpus.cloud_event, type="supports"),
    ]
    corpus.hidden_relations = [
        make(from_claim=corpus.draft, to_claim=corpus.market_2018, type="supports", note="zebra draft relation"),
        make(from_claim=corpus.rivalry, to_claim=corpus.retracted, type="contradicts", note="zebra retracted"),
        make(from_claim=corpus.in_review, to_claim=corpus.market_2017, type="resolves", note="zebra in review"),
    ]
    return corpus


def add_published_claims(corpus, n, start=0):
    """n more published claims, each with two companies, two topics and two citations;
    every third a figure of the corpus's metric."""
    for i in range(start, start + n):
        fields = figure(str(i + 1), "billion", "USD", corpus.market_2018.metric) if i % 3 == 0 else {}
        kind = Claim.Kind.FIGURE if fields else Claim.Kind.EVENT
        made = make_claim(
            corpus.sacks, f"more-{i}", text=f"Extra claim {i} about Alibaba payments.", kind=kind, **fields
        )
        made.set_period(str(2000 + i % 20))
        made.save()
        made.companies.set([corpus.alibaba, corpus.tencent])
        made.topics.set([corpus.payments, corpus.cloud])
        cite(claim=made, source=corpus.danilin, quote=f"Second quote {i}.", locator="p. 2")


# -- a real browser ----------------------------------------------------------------------

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


@pytest.fixture(scope="module")
def chromium():
    """Debian's chromium, driven by Playwright: once per test module, never a downloaded browser."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is not installed (make install installs it)")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop in this thread, so Django
    # would refuse the tests' own (synchronous) database calls; allow them
    # while the browser runs, and only then.
    with pytest.MonkeyPatch.context() as patch, sync_playwright() as playwright:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def tab(chromium, live_server):
    """A fresh browser tab on the live test server; relative URLs go there."""
    # bypass_csp: axe-core is injected as a script, which the site's CSP forbids.
    context = chromium.new_context(base_url=live_server.url, bypass_csp=True, viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    tab.set_default_timeout(10_000)
    yield tab
    context.close()


@pytest.fixture(autouse=True)
def empty_cache():
    """Each test starts with an empty cache: cached facet counts of one test's
    (rolled back) data must not answer the next."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


BROWSER_PASSWORD = "a-long-test-password"


def log_in(tab, username, password=BROWSER_PASSWORD):
    """Log in to the admin in the browser tab, as the user would."""
    from playwright.sync_api import expect

    tab.context.clear_cookies()
    tab.goto("/admin/login/")
    tab.get_by_label("Username").fill(username)
    tab.get_by_label("Password").fill(password)
    tab.get_by_role("button", name="Log in").click()
    expect(tab.get_by_role("heading", name="Site administration")).to_be_visible()


def shot(tab, name):
    """A full-page screenshot under test-artifacts/, to look at."""
    ARTIFACTS.mkdir(exist_ok=True)
    tab.screenshot(path=ARTIFACTS / f"{name}.png", full_page=True)
