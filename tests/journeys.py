"""Following a site the way a person does: open a page, click a link by its
words. A research question is answered only if a reader can get there from
the home page by links, so these helpers refuse a URL typed by hand."""

import html
import re
from dataclasses import dataclass

LINK = re.compile(r'<a\b[^>]*\bhref="([^"]*)"[^>]*>(.*?)</a>', re.S)


def link_text(markup):
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", markup))).strip()


@dataclass
class Reader:
    client: object
    url: str = "/"
    page: str = ""

    def open_home(self):
        return self.go("/")

    def go(self, url):
        response = self.client.get(url)
        assert response.status_code == 200, f"{url} answered {response.status_code}"
        self.url = url
        self.page = response.getvalue().decode() if response.streaming else response.content.decode()
        return self

    def links(self):
        """(href, words) of every link on the page, in order."""
        return [(html.unescape(href), link_text(words)) for href, words in LINK.findall(self.page)]

    def click(self, words, href_contains=""):
        """Follow the first link whose words match the regular expression
        (and whose address contains href_contains)."""
        pattern = re.compile(words, re.I)
        for href, text in self.links():
            if pattern.search(text) and href_contains in href:
                return self.go(href)
        shown = "\n".join(f"  {text!r} -> {href}" for href, text in self.links())
        raise AssertionError(f"no link matching {words!r} on {self.url}; the links are:\n{shown}")
