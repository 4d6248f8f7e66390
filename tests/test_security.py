import json
import logging
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from claims.accounts import create_staff_user
from corpus_site.requestlog import client_ip

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-test-password"


def test_check_deploy_is_clean_under_production_settings():
    env = {
        **os.environ,
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "x7Hq2-production-like-secret-key-with-enough-entropy-9f3kQ0pLm4zR8tYw",
        "DJANGO_ALLOWED_HOSTS": "corpus.example.org",
        "DJANGO_STATIC_MANIFEST": "1",
        "DJANGO_SECURE_SSL_REDIRECT": "",  # the production default
        "CACHE_URL": "redis://127.0.0.1:6379/15",
        "PAGE_CACHE_SECONDS": "600",
    }
    result = check_deploy(env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def check_deploy(env):
    return subprocess.run(
        [sys.executable, str(Path(settings.BASE_DIR) / "manage.py"), "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
    )


def test_check_deploy_refuses_a_page_cache_in_each_process():
    env = {
        **os.environ,
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "x7Hq2-production-like-secret-key-with-enough-entropy-9f3kQ0pLm4zR8tYw",
        "DJANGO_ALLOWED_HOSTS": "corpus.example.org",
        "DJANGO_STATIC_MANIFEST": "1",
        "DJANGO_SECURE_SSL_REDIRECT": "",
        "CACHE_URL": "",
        "PAGE_CACHE_SECONDS": "600",
    }
    result = check_deploy(env)
    assert result.returncode != 0
    assert "corpus.E001" in result.stderr and "Set CACHE_URL=redis://" in result.stderr
    assert check_deploy({**env, "PAGE_CACHE_SECONDS": "0"}).returncode == 0


def test_env_example_lists_every_setting_the_settings_read():
    source = (Path(settings.BASE_DIR) / "corpus_site" / "settings.py").read_text()
    read = set(re.findall(r'(?:os\.environ\.get|env_bool|env_int|env_list)\(\s*"([A-Z][A-Z0-9_]+)"', source))
    example = (Path(settings.BASE_DIR) / ".env.example").read_text()
    listed = set(re.findall(r"^([A-Z][A-Z0-9_]+)=", example, re.MULTILINE))
    assert {"CACHE_URL", "PAGE_CACHE_SECONDS", "DATABASE_STATEMENT_TIMEOUT_MS", "CACHE_KEY_PREFIX"} <= read
    assert read == listed, f"not in .env.example: {sorted(read - listed)}; not read: {sorted(listed - read)}"


def test_the_cache_key_prefix_names_the_database(settings):
    from django.core.cache import cache

    assert settings.CACHES["default"]["KEY_PREFIX"] == settings.CACHE_KEY_PREFIX
    assert settings.CACHE_KEY_PREFIX.startswith("corpus-")
    assert cache.make_key("claims:corpus-version").startswith(settings.CACHE_KEY_PREFIX + ":")


def test_settings_refuse_to_start_without_a_secret_in_production():
    env = {**os.environ, "DJANGO_DEBUG": "0", "DJANGO_SECRET_KEY": ""}
    result = subprocess.run(
        [sys.executable, str(Path(settings.BASE_DIR) / "manage.py"), "check"], env=env, capture_output=True, text=True
    )
    assert result.returncode != 0 and "Set DJANGO_SECRET_KEY" in result.stderr


def test_strict_content_security_policy(client):
    response = client.get(reverse("admin:login"))
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "script-src 'self'" in policy
    assert "unsafe-inline" not in policy and "object-src 'none'" in policy and "frame-ancestors 'none'" in policy


def test_healthz_checks_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_healthz_reports_a_broken_database(client, monkeypatch):
    from django.db import DatabaseError

    def broken(*args, **kwargs):
        raise DatabaseError("down")

    monkeypatch.setattr("django.db.backends.utils.CursorWrapper.execute", broken)
    response = client.get("/healthz")
    assert response.status_code == 503 and response.json()["status"] == "error"


def test_admin_login_needs_csrf(db):
    create_staff_user("curator", PASSWORD, "curator")
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("admin:login"), {"username": "curator", "password": PASSWORD})
    assert response.status_code == 403


def login(client, username, password, ip):
    return client.post(
        reverse("admin:login") + "?next=/admin/",
        {"username": username, "password": password},
        REMOTE_ADDR=ip,
    )


def test_login_throttling_locks_the_username_from_one_address_only(client):
    create_staff_user("curator", PASSWORD, "curator")
    create_staff_user("editor", PASSWORD, "editor")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        login(client, "curator", "wrong", "203.0.113.9")
    locked = login(client, "curator", PASSWORD, "203.0.113.9")
    assert locked.status_code == 429
    # The same curator from another address, and another user from the attacker's address, still get in.
    assert login(Client(), "curator", PASSWORD, "198.51.100.7").status_code == 302
    assert login(Client(), "editor", PASSWORD, "203.0.113.9").status_code == 302


def test_logins_are_logged(client, caplog):
    create_staff_user("curator", PASSWORD, "curator")
    with caplog.at_level(logging.INFO, logger="corpus.security"):
        login(client, "curator", "wrong", "203.0.113.9")
        login(client, "curator", PASSWORD, "203.0.113.9")
    events = [
        (r.fields["event"], r.fields["username"], r.fields["client_ip"])
        for r in caplog.records
        if "event" in getattr(r, "fields", {})
    ]
    assert ("login_failed", "curator", "203.0.113.9") in events
    assert ("login", "curator", "203.0.113.9") in events


@pytest.mark.parametrize(
    "proxies, forwarded, expected",
    [
        (0, "1.1.1.1", "10.0.0.1"),  # no trusted proxy: the header is the client's own claim
        (1, "1.1.1.1", "1.1.1.1"),
        (1, "6.6.6.6, 1.1.1.1", "1.1.1.1"),  # a spoofed entry on the left is ignored
        (2, "6.6.6.6, 1.1.1.1, 10.0.0.2", "1.1.1.1"),
        (2, "1.1.1.1", "10.0.0.1"),  # fewer entries than proxies: not from our proxies
    ],
)
def test_client_ip_behind_proxies(rf, settings, proxies, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = proxies
    request = rf.get("/", HTTP_X_FORWARDED_FOR=forwarded, REMOTE_ADDR="10.0.0.1")
    assert client_ip(request) == expected


def test_requests_are_logged_as_json(client, caplog):
    with caplog.at_level(logging.INFO, logger="corpus.requests"):
        client.get("/healthz?probe=1")
    (record,) = [r for r in caplog.records if r.name == "corpus.requests"]
    from corpus_site.requestlog import JsonFormatter

    entry = json.loads(JsonFormatter().format(record))
    assert entry["path"] == "/healthz" and entry["status"] == 200 and entry["query"] == "probe=1"
    assert entry["duration_ms"] >= 0
