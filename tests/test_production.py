"""Two server processes with the documented production settings (gunicorn,
DEBUG off, a shared Redis cache): a retraction made anywhere is served by
both at the next request, never a page cached from before it."""

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest
from django.conf import settings

from .fixturefiles import fixture_tree

REDIS = "redis://127.0.0.1:6379/13"
ROOT = Path(settings.BASE_DIR)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(port, path):
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as response:
            return response.status, response.headers.get("X-Page-Cache")
    except urllib.error.HTTPError as error:
        return error.code, None


@pytest.fixture
def production(tmp_path):
    import redis

    try:
        redis.Redis.from_url(REDIS, socket_connect_timeout=0.5).ping()
    except redis.RedisError as error:
        pytest.skip(f"no Redis at {REDIS}: {error}")
    if shutil.which("gunicorn", path=str(Path(sys.executable).parent)) is None:
        pytest.skip("gunicorn is not installed")
    prefix = f"test-{uuid.uuid4().hex}"
    env = {
        **os.environ,
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "x7Hq2-production-like-secret-key-with-enough-entropy-9f3kQ0pLm4zR8tYw",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DJANGO_STATIC_MANIFEST": "0",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'corpus.sqlite3'}",
        "CACHE_URL": REDIS,
        "CACHE_KEY_PREFIX": prefix,
        "PAGE_CACHE_SECONDS": "600",
    }

    def manage(*args):
        subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=True)

    fixtures, texts = fixture_tree(tmp_path)
    manage("migrate", "-v0")
    manage("load_corpus", str(fixtures), f"--texts={texts}", "-v0")
    ports, servers = [free_port(), free_port()], []
    for port in ports:
        servers.append(
            subprocess.Popen(
                [str(Path(sys.executable).parent / "gunicorn"), "corpus_site.wsgi", "--bind", f"127.0.0.1:{port}"],
                cwd=ROOT,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
    try:
        deadline = time.monotonic() + 30
        while not all(_up(port) and get(port, "/healthz")[0] == 200 for port in ports):
            assert time.monotonic() < deadline, "the servers did not start"
            time.sleep(0.2)
        yield ports, manage
    finally:
        for server in servers:
            server.terminate()
            server.wait(10)
        server = redis.Redis.from_url(REDIS)
        server.delete(*server.keys(f"{prefix}:*") or ["none"])


def _up(port):
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


@pytest.mark.slow
def test_two_servers_serve_a_retraction_at_the_next_request(production):
    ports, manage = production
    path = "/claims/1/"  # the old address: 301 (followed by urllib) to the permalink, 410 once retracted
    for port in ports:
        assert get(port, path) == (200, None)
        assert get(port, path) == (200, "hit")  # each server serves it from the shared cache now
    manage(
        "shell",
        "-c",
        "from claims.accounts import create_staff_user; from claims.models import Claim; "
        "editor = create_staff_user('edgar', 'a-long-test-password', 'editor')[0]; "
        "claim = Claim.objects.get(pk=1); claim.retract(editor, 'Misread the source.'); claim.save()",
    )
    for port in ports:
        assert get(port, path)[0] == 410
