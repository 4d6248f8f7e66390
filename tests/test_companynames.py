"""A company as a reader names it: the resolution of a typed name (shared by
the claim list, the downloads and the API) and the claim list's company box,
which says so when a name is no company and suggests the closest ones."""

import re

import pytest

from claims.models import Company
from claims.public.companynames import closest_companies, companies_named, company_named

from .conftest import add_published_claims

pytestmark = pytest.mark.django_db


def notice(response):
    """The text of the page's 'no company called …' notice, or None."""
    found = re.search(r'<div class="notice" role="alert">(.*?)</div>', response.content.decode(), re.S)
    return re.sub(r"\s+", " ", found.group(1)).strip() if found else None


def chips(response):
    return re.findall(r"Remove filter </span>([^<]*)<", response.content.decode())


@pytest.mark.parametrize("typed", ["tencent", "Tencent", "TENCENT", "WeChat", "wechat", "Weixin"])
def test_a_company_is_named_by_slug_name_or_alias_in_any_case(corpus, typed):
    Company.objects.filter(pk=corpus.tencent.pk).update(aliases=["WeChat", "Weixin"])
    assert company_named(typed) == corpus.tencent
    assert companies_named([typed, "TikTok"]) == {typed: corpus.tencent}


def test_closest_companies_by_name_or_alias(corpus):
    everyone = Company.objects.all()
    assert closest_companies("Tencnet", everyone, "all") == [("Tencent", "tencent")]
    assert closest_companies("Ant Grop", everyone, "all")[0] == ("Ant Financial", "ant-financial")
    assert closest_companies("Volkswagen", everyone, "all") == []


def test_the_company_box_resolves_an_alias(client, corpus):
    Company.objects.filter(pk=corpus.tencent.pk).update(aliases=["WeChat"])
    response = client.get("/?company=WeChat")
    assert chips(response) == ["Company: Tencent"]
    assert notice(response) is None
    assert "2 claims" in response.content.decode()


def test_an_unknown_company_says_so_and_suggests_the_closest_names(client, corpus):
    response = client.get("/?company=Tencnet&kind=figure")
    assert notice(response) == (
        "<p><strong>No company called ‘Tencnet’.</strong> "
        'Did you mean <a href="?company=tencent&amp;kind=figure">Tencent</a>?</p>'
    )
    # The chip that removes it does not pass it off as a company.
    assert "Company: “Tencnet”, no such company" in chips(response)
    # The suggestion's link keeps the other filters and finds the claims.
    assert "1 claim" in client.get("/?company=tencent&kind=figure").content.decode()


def test_only_companies_with_published_claims_are_suggested(client, corpus):
    assert "Hidden" not in notice(client.get("/?company=Hiden+Co"))


def test_an_unknown_company_without_a_close_name_points_to_the_companies(client, corpus):
    assert notice(client.get("/?company=TikTok")) == (
        "<p><strong>No company called ‘TikTok’.</strong> "
        'Check the spelling, or find it among <a href="/companies/">the companies</a>.</p>'
    )


def test_the_company_box_and_search_run_a_constant_number_of_queries(client, corpus, django_assert_max_num_queries):
    urls = ["/?company=Tencnet", "/?company=Tencnet&company=alibaba&q=payment", "/?q=Ant+Group", "/?q=size&sort=newest"]

    def count():
        found = {}
        for url in urls:
            with django_assert_max_num_queries(12) as queries:
                assert client.get(url).status_code == 200
            found[url] = len(queries)
        return found

    small = count()
    add_published_claims(corpus, 70)
    assert count() == small
