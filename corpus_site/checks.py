"""System checks for what production needs and Django cannot know.

A page cache kept in each worker's memory serves a retracted claim from
every worker that cached it before the retraction: the corpus version that
invalidates pages lives in that same memory. Under `check --deploy` (which
`make serve` runs before starting) a per-process cache with the page cache
on is an error.
"""

from django.conf import settings
from django.core.checks import Error, Tags, register

PER_PROCESS_BACKENDS = (
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
)


@register(Tags.caches, deploy=True)
def shared_cache(app_configs=None, **kwargs):
    backend = settings.CACHES["default"]["BACKEND"]
    if settings.DEBUG or not settings.PAGE_CACHE_SECONDS or backend not in PER_PROCESS_BACKENDS:
        return []
    return [
        Error(
            f"The page cache is on (PAGE_CACHE_SECONDS={settings.PAGE_CACHE_SECONDS}) but the cache is each "
            "process's own memory: every gunicorn worker would keep serving pages from before a retraction.",
            hint="Set CACHE_URL=redis://host:6379/N (shared by every worker, load_corpus and the admin), "
            "or PAGE_CACHE_SECONDS=0.",
            id="corpus.E001",
        )
    ]
