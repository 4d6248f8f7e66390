"""Settings for the claims corpus.

One module for every environment: each deploy-specific value comes from the
environment (documented in .env.example), with defaults that suit a developer's
machine. Production sets DJANGO_DEBUG=0 and the values check --deploy asks for.
"""

import hashlib
import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in ("1", "true", "yes", "on"):
        return True
    if value.lower() in ("0", "false", "no", "off"):
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), not {value!r}.")


def env_list(name, default=""):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_int(name, default):
    value = os.environ.get(name)
    try:
        return int(value) if value not in (None, "") else default
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}.") from None


DEBUG = env_bool("DJANGO_DEBUG", default=False)

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG and not env_bool("DJANGO_ALLOW_INSECURE_KEY", default=False):
        raise ImproperlyConfigured("Set DJANGO_SECRET_KEY (or DJANGO_DEBUG=1 for local development; see .env.example).")
    SECRET_KEY = "insecure-development-key-do-not-use-in-production"

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django.contrib.sitemaps",
    "django_filters",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "axes",
    "claims",
]

MIDDLEWARE = [
    "corpus_site.requestlog.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "claims.scale.querylimits.SlowQueryMiddleware",
    # Before anything that reads the cache: one version of the corpus per request.
    "claims.scale.cache.OneVersionPerRequest",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before sessions and CSRF: a cached page is served without either.
    "claims.scale.pagecache.AnonymousPageCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: it turns a lockout into its response.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "corpus_site.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = "corpus_site.wsgi.application"

# SQLite file in the project by default; PostgreSQL (psycopg 3) in production:
# DATABASE_URL=postgres://user:password@host:5432/name
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers run while the loader writes; IMMEDIATE avoids
    # "database is locked" when a read transaction upgrades to a write.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = False
else:
    # Page queries are short: compiling them with JIT cost more (~10 ms per
    # search at 1M claims) than it saved; and one page must not take every
    # core from the other requests with parallel workers.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = (
        "-c jit=off -c max_parallel_workers_per_gather=" + os.environ.get("DATABASE_PARALLEL_WORKERS", "0")
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# Production serves compressed, content-hashed files made by collectstatic.
# Development and tests serve app static files straight from their finders,
# so neither needs a collectstatic step.
STATIC_MANIFEST = env_bool("DJANGO_STATIC_MANIFEST", default=not DEBUG)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if STATIC_MANIFEST
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = not STATIC_MANIFEST

# Where the plain texts of sources live, for quote verification (a source
# declares its file name in `text_file`). Empty: verification is skipped.
CORPUS_TEXTS_DIR = os.environ.get(
    "CORPUS_TEXTS_DIR",
    str(BASE_DIR.parent / "shared" / "seeds") if (BASE_DIR.parent / "shared" / "seeds").is_dir() else "",
)
CORPUS_FIXTURES_DIR = BASE_DIR / "fixtures"
# A source's text pasted in the admin can be megabytes (claims/ingest/textextract.py
# takes up to 20 MB files and 5M characters); Django's default is 2.5 MB.
DATA_UPLOAD_MAX_MEMORY_SIZE = 21 * 1024 * 1024

# Logs go to stderr; request and security logs as one JSON object a line.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "corpus_site.requestlog.JsonFormatter"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler"},
        "json": {"class": "logging.StreamHandler", "formatter": "json"},
    },
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
    "loggers": {
        "corpus.requests": {
            "handlers": ["json"],
            "level": os.environ.get("DJANGO_REQUEST_LOG_LEVEL", "INFO"),
            "propagate": False,
        },
        "corpus.security": {"handlers": ["json"], "level": "INFO", "propagate": False},
        "axes": {"handlers": ["json"], "level": "WARNING", "propagate": False},
        # Every request is logged once, by corpus.requests.
        "django.request": {"handlers": ["console"], "level": "ERROR", "propagate": False},
        "django.server": {"handlers": ["console"], "level": "WARNING", "propagate": False},
    },
}

# The admin's path, configurable so that it need not be guessable.
ADMIN_URL = os.environ.get("DJANGO_ADMIN_URL", "admin/").strip("/") + "/"

# A cache shared by every worker process keeps facet counts between requests
# (invalidated through claims/scale/corpusversion.py). Production: Redis, e.g.
# CACHE_URL=redis://127.0.0.1:6379/1. Default: this process's memory, which
# is right for one process (development, tests) and wrong for several.
CACHE_URL = os.environ.get("CACHE_URL", "")
# Every key starts with this, so that two sites (or a site and a benchmark)
# sharing one Redis database never read each other's pages and counts. By
# default it names the database the site serves.
_database = DATABASES["default"]
_database_address = f"{_database.get('HOST', '')}:{_database.get('PORT', '')}/{_database['NAME']}"
CACHE_KEY_PREFIX = (
    os.environ.get("CACHE_KEY_PREFIX", "") or "corpus-" + hashlib.sha256(_database_address.encode()).hexdigest()[:12]
)
CACHES = {
    "default": {
        **(
            {
                # Reads miss and writes drop while Redis is down (corpus_site/cache.py).
                "BACKEND": "corpus_site.cache.FailOpenRedisCache",
                "LOCATION": CACHE_URL,
                "TIMEOUT": 3600,
                # An unreachable host costs at most this, then 5 s of not asking.
                "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 1.0},
            }
            if CACHE_URL.startswith(("redis://", "rediss://"))
            else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "TIMEOUT": 600}
        ),
        "KEY_PREFIX": CACHE_KEY_PREFIX,
    }
}

# Whole public pages for anonymous readers, until the corpus changes
# (claims/scale/pagecache.py); 0 turns it off.
PAGE_CACHE_SECONDS = env_int("PAGE_CACHE_SECONDS", 600)

# A time limit on every query (claims/scale/querylimits.py): past it a facet says
# "counts unavailable" and any other page answers 503. corpus_site/wsgi.py
# sets it for web servers; commands (migrate, load_corpus) run without one.
DATABASE_STATEMENT_TIMEOUT_MS = env_int("DATABASE_STATEMENT_TIMEOUT_MS", 0)

# -- the read-only API ---------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [],
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "UNAUTHENTICATED_USER": None,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Claims corpus API",
    "DESCRIPTION": "Read-only access to the published claims, with the same filters as the site's lists.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Named once, for every serializer that uses them (a claim and a claim in a pair share one enum).
    "ENUM_NAME_OVERRIDES": {
        "ClaimKindEnum": "claims.models.Claim.Kind",
        "RelationTypeEnum": "claims.models.ClaimRelation.Type",
    },
}

# -- security ---------------------------------------------------------------------
# Production defaults are the strict ones (check --deploy passes with no
# warnings); each can be relaxed from the environment, e.g. for plain HTTP on
# a private network.
_secure = not DEBUG
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", default=_secure)
SECURE_HSTS_SECONDS = env_int("DJANGO_SECURE_HSTS_SECONDS", 31536000 if _secure else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=_secure)
SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD", default=_secure)
SESSION_COOKIE_SECURE = env_bool("DJANGO_SESSION_COOKIE_SECURE", default=_secure)
CSRF_COOKIE_SECURE = env_bool("DJANGO_CSRF_COOKIE_SECURE", default=_secure)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Behind a TLS-terminating proxy that sets X-Forwarded-Proto (and strips it
# from clients), set DJANGO_SECURE_PROXY_SSL_HEADER=1.
if env_bool("DJANGO_SECURE_PROXY_SSL_HEADER", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# How many proxies in front of the site append to X-Forwarded-For: the
# client's address is the one the outermost of them saw. 0: REMOTE_ADDR.
TRUSTED_PROXY_COUNT = env_int("DJANGO_TRUSTED_PROXY_COUNT", 0)

# A strict Content Security Policy: nothing inline, nothing from elsewhere.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    }
}

# Login throttling: lock one username from one address, for a while. Locking
# on the pair (never the username alone) means an attacker elsewhere cannot
# lock every curator out; the cool-off ends a lockout by itself.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 20))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "corpus_site.requestlog.client_ip"
AXES_VERBOSE = False
