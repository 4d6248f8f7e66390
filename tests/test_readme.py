"""README's layout table names every module of the project."""

from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)


def test_the_layout_table_covers_every_module():
    readme = (ROOT / "README.md").read_text()
    layout = readme[readme.index("## Layout") : readme.index("## Configuration")]
    missing = []
    for package in ("claims", "corpus_site"):
        for path in sorted((ROOT / package).rglob("*.py")):
            relative = path.relative_to(ROOT)
            if path.name == "__init__.py" or "migrations" in relative.parts or path.name == "apps.py":
                continue
            folder = f"`{relative.parent}/`"
            named = f"`{relative}`" in layout or f"`{path.name}`" in layout or f"{relative.parent}/`" in layout
            if not named and folder not in layout:
                missing.append(str(relative))
    assert not missing, f"not in README's layout table: {missing}"
