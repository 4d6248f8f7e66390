"""The curation guide, docs/curation.md, as a page of the admin: the help
texts of the claim form link to its sections (anchors from the headings)."""

import functools
from pathlib import Path

import markdown
from django.conf import settings
from django.template.response import TemplateResponse
from django.utils.safestring import mark_safe

GUIDE = Path(settings.BASE_DIR) / "docs" / "curation.md"


@functools.cache
def _rendered(modified):
    # Keyed by the file's modification time: an edited guide is shown at once.
    html = markdown.markdown(GUIDE.read_text(encoding="utf-8"), extensions=["toc", "tables", "fenced_code"])
    return mark_safe(html)


def guide_page(request, site):
    html = _rendered(GUIDE.stat().st_mtime_ns) if GUIDE.exists() else ""
    context = {**site.each_context(request), "title": "Curation guide", "guide": html}
    return TemplateResponse(request, "admin/claims/guide.html", context)
