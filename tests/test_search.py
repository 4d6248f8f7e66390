"""Full-text search: the query rewriting, the index triggers, the ranking
rule, highlighting."""

import pytest
from django.db import connection

from claims import evidence
from claims.models import Claim, Company
from claims.public import search

from .conftest import cite, make_claim


def found(text, queryset=None):
    queryset = Claim.objects.public() if queryset is None else queryset
    return set(search.search(queryset, text).values_list("key", flat=True))


# -- rewriting user input for FTS5 (pure Python) --------------------------------------------


@pytest.mark.parametrize(
    "text, query",
    [
        ("cloud", '("cloud")'),
        ("cloud market", '("cloud" AND "market")'),
        ('"market share" cloud', '("market share" AND "cloud")'),
        ("cloud or payments", '("cloud") OR ("payments")'),
        ("cloud -alibaba", '(("cloud") NOT "alibaba")'),
        ('"unclosed phrase', '("unclosed phrase")'),
        ('say "no" NEAR(a b)', '("say" AND "no" AND "NEAR(a" AND "b)")'),
        ("a*b:c", '("a*b:c")'),
        ('quote"inside', '("quote inside")'),
    ],
)
def test_fts5_query_quotes_every_term(text, query):
    assert search.fts5_query(text) == query


@pytest.mark.parametrize("text", ["", "   ", "***", "-", "or", '""', "-cloud"])
def test_fts5_query_without_searchable_words_is_none(text):
    assert search.fts5_query(text) is None


# -- against the database --------------------------------------------------------------------


@pytest.mark.django_db
def test_search_covers_claim_text_and_quotes(corpus):
    assert found("compete") == {"fintech-rivalry"}
    assert found("rivalry") == {"fintech-rivalry"}  # only in its quote


@pytest.mark.django_db
def test_stemming(corpus):
    assert found("innovate") == {"cloud-abroad"}  # the quote says "innovation"
    assert found("competing") == {"fintech-rivalry"}  # the text says "compete"


@pytest.mark.django_db
def test_phrases(corpus):
    assert found('"cloud data centre"') == {"cloud-abroad"}
    assert found('"centre data"') == set()


@pytest.mark.django_db
def test_index_follows_claim_and_citation_changes(corpus):
    claim = corpus.cloud_event
    claim.text = "Alibaba built a warehouse of servers abroad in 2015."
    claim.save()
    assert found("warehouse") == {"cloud-abroad"}
    assert found("opened") == set()

    citation = claim.citations.get()
    citation.quote = "giraffes everywhere"
    # Published claims' evidence changes as load_corpus changes it.
    with evidence.changing_evidence(evidence.LOADER):
        citation.save()
        assert found("giraffe") == {"cloud-abroad"}
        assert found("innovation") == set()

        cite(claim=claim, source=corpus.sacks, quote="penguins too", locator="p. 3")
        assert found("penguin giraffe") == {"cloud-abroad"}

        citation.delete()
        assert found("giraffe") == set()
        assert found("penguin") == {"cloud-abroad"}

        # A citation moved to another claim leaves the first claim's index.
        moved = claim.citations.get()
        moved.claim = corpus.rivalry
        moved.save()
        assert found("penguin") == {"fintech-rivalry"}

    claim.delete()
    assert found("warehouse") == set()


@pytest.mark.django_db
def test_new_claims_are_indexed(source):
    make_claim(source, "fresh", text="A brand new statement about quokkas.")
    assert found("quokka") == {"fresh"}


@pytest.mark.django_db
def test_unpublished_claims_are_indexed_but_never_public(corpus):
    assert found("zebra", Claim.objects.all()) == {"draft", "review", "retracted"}
    assert found("zebra") == set()


@pytest.mark.django_db
def test_ranked_search_annotates_rank(corpus):
    ranked = list(search.search(Claim.objects.public(), "payment", ranked=True).order_by("-search_rank"))
    assert len(ranked) == 3
    assert ranked[0].search_rank >= ranked[-1].search_rank > 0
    assert ranked[-1] == corpus.market_2018_low


@pytest.mark.django_db
@pytest.mark.parametrize("text", ["***", '"', "", "-"])
def test_nothing_searchable_finds_nothing(corpus, text):
    assert list(search.search(Claim.objects.public(), text, ranked=True)) == []


@pytest.mark.django_db
def test_highlights_mark_matches_and_escape_the_rest(corpus):
    corpus.rivalry.text = "Tencent & <b>Alibaba</b> compete head to head."
    corpus.rivalry.save()
    marked = search.highlights("competing rivalry", [corpus.rivalry.pk, corpus.cloud_event.pk])
    assert set(marked) == {corpus.rivalry.pk}
    assert (
        marked[corpus.rivalry.pk].text == "Tencent &amp; &lt;b&gt;Alibaba&lt;/b&gt; <mark>compete</mark> head to head."
    )
    assert "<mark>rivalry</mark>" in marked[corpus.rivalry.pk].quote


@pytest.mark.django_db
def test_highlights_leave_out_quotes_without_a_match(corpus):
    marked = search.highlights("compete", [corpus.rivalry.pk])
    assert marked[corpus.rivalry.pk].quote == ""


@pytest.mark.django_db
def test_rebuild_index(corpus):
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("UPDATE claims_claim SET search_document = NULL")
        else:
            cursor.execute("DELETE FROM claims_claim_fts")
    assert found("compete") == set()
    search.rebuild_index()
    assert found("compete") == {"fintech-rivalry"}


@pytest.mark.django_db
def test_index_triggers_are_in_place():
    # A later migration that rebuilds claims_claim, claims_citation,
    # claims_claim_companies or claims_company on SQLite drops their
    # triggers: it must create them again.
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT tgname FROM pg_trigger WHERE tgname LIKE 'claims_%%_search'")
            expected = {"claims_claim_search", "claims_citation_search", "claims_company_search"}
        else:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'claims_%_fts_%'")
            expected = {
                f"claims_{table}_fts_{event}"
                for table in ("claim", "citation", "claim_companies")
                for event in ("insert", "update", "delete")
            } | {"claims_company_fts_update"}
        assert {name for (name,) in cursor.fetchall()} == expected


# -- what researchers type: metric labels, speakers, companies' names and aliases --------------


@pytest.mark.django_db
def test_metric_labels_are_searched(corpus):
    # Only the metric label "China mobile-payment market size" says "size".
    assert found("size") == {"market-2018", "market-2017", "market-2018-low"}
    assert found("market size 2017") == {"market-2017"}


@pytest.mark.django_db
def test_speakers_are_searched(corpus):
    make_claim(
        corpus.sacks, "quoted", kind=Claim.Kind.QUOTATION, speaker="Zhu Rui", text="A founder said firms must grow up."
    )
    assert found("Zhu Rui") == {"quoted"}


@pytest.mark.django_db
def test_company_names_and_aliases_are_searched(corpus):
    # Alibaba's alias in Chinese, and Ant Financial's alias, occur in no text or quote.
    assert found("阿里巴巴") == {"market-2018", "market-2018-low", "cloud-abroad", "fintech-rivalry"}
    assert found("Ant Group") == {"market-2017"}
    assert found("Ant Group payment") == {"market-2017"}  # one word from the alias, one from the text


@pytest.mark.django_db
def test_index_follows_metric_speaker_and_companies(corpus):
    claim = corpus.cloud_event
    claim.metric = "Alibaba data centres abroad"
    claim.save()
    assert found("centres abroad") == {"cloud-abroad"}

    claim.companies.add(corpus.ant)
    assert found("Ant Group") == {"market-2017", "cloud-abroad"}
    claim.companies.remove(corpus.ant)
    assert found("Ant Group") == {"market-2017"}
    claim.companies.set([corpus.tencent])
    assert found("阿里巴巴") == {"market-2018", "market-2018-low", "fintech-rivalry"}


@pytest.mark.django_db
def test_index_follows_a_company_rename_and_new_aliases(corpus):
    corpus.tencent.aliases = ["WeChat", "Weixin"]
    corpus.tencent.save()
    assert found("Weixin") == {"market-2018", "fintech-rivalry"}
    corpus.tencent.name = "Tencent Holdings"
    corpus.tencent.aliases = []
    corpus.tencent.save()
    assert found("Weixin") == set()
    assert found("Holdings") == {"market-2018", "fintech-rivalry"}
    # A queryset update (raw SQL, as a migration or the shell would) too.
    Company.objects.filter(pk=corpus.tencent.pk).update(aliases=["QQ"])
    assert found("QQ") == {"market-2018", "fintech-rivalry"}


@pytest.mark.django_db
def test_an_unchanged_company_save_does_not_reindex_its_claims(corpus, django_assert_max_num_queries):
    # load_corpus writes every company on each load: only a real change of
    # name or aliases may re-index a company's claims (a third of a million
    # claims for the biggest one).
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("UPDATE claims_claim SET search_document = NULL WHERE id = %s", [corpus.rivalry.pk])
        else:
            cursor.execute("DELETE FROM claims_claim_fts WHERE rowid = %s", [corpus.rivalry.pk])
    Company.objects.filter(pk=corpus.tencent.pk).update(name="Tencent", aliases=[])
    assert "fintech-rivalry" not in found("Tencent")


# -- the ranking rule, the same on both databases ------------------------------------------------


@pytest.mark.django_db
def test_the_ranking_rule_is_the_same_on_both_databases(source, alibaba):
    """Text 1.0, metric or speaker 0.5, quotes 0.25, companies' names 0.1,
    added up; the newest claim first among equals. The expected list is
    literal: the same on PostgreSQL and SQLite, to the score."""
    alibaba.aliases = ["Quokka Group"]
    alibaba.save()

    def claim(key, quote="Nothing to see here.", **fields):
        made = make_claim(source, key, cited=False, **fields)
        cite(claim=made, source=source, quote=quote, locator="p. 1")
        return made

    claim("in-text-and-quote", text="Quokka numbers rose.", quote="the quokka numbers rose")
    claim("in-text", text="Quokka numbers rose sharply.")
    claim("in-metric", text="Numbers rose.", metric="Quokka population")
    claim("in-speaker", text="Someone said numbers rose.", kind=Claim.Kind.QUOTATION, speaker="Ann Quokka")
    claim("in-quote", text="Other numbers rose.", quote="the quokka count")
    claim("in-company", text="The group's numbers rose.").companies.add(alibaba)
    claim("elsewhere", text="Numbers fell.")

    ranked = search.search(Claim.objects.public(), "quokka", ranked=True).order_by("-search_rank", "-pk")
    assert [(c.key, c.search_rank) for c in ranked] == [
        ("in-text-and-quote", 1.25),
        ("in-text", 1.0),
        ("in-speaker", 0.5),  # newer than in-metric, with the same score
        ("in-metric", 0.5),
        ("in-quote", 0.25),
        ("in-company", 0.1),
    ]
    # A part counts once, whichever of the words it holds: "numbers" is in
    # every text here, "quokka" in one other part each.
    two_words = search.search(Claim.objects.public(), "quokka numbers", ranked=True).order_by("-search_rank", "-pk")
    assert [(c.key, c.search_rank) for c in two_words] == [
        ("in-speaker", 1.5),
        ("in-metric", 1.5),
        ("in-quote", 1.25),
        ("in-text-and-quote", 1.25),
        ("in-company", 1.1),
        ("in-text", 1.0),
    ]


@pytest.mark.parametrize(
    "text, expected",
    [("cloud market", ["cloud", "market"]), ('"market share" -alibaba or x_y', ["market", "share", "x_y"]), ("-", [])],
)
def test_words_searched_for(text, expected):
    assert search.words(text) == expected
