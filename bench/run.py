"""Time every kind of page against a real server, and print one table.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/corpus_1m .venv/bin/python -m bench.run

Fill the database first with bench/generate.py. The runner starts gunicorn on
127.0.0.1 (production settings, DEBUG off), warms each page up, then sends
--requests sequential requests per page and reports the server's own time
(its Server-Timing header) as p50/p95/p99, with the number of SQL queries
the page runs (counted once, in process). Then, with wrk (installed from
Debian if missing), --clients concurrent connections for --seconds on the
filtered list and on the list with facets: requests/s and p95 latency.
Everything stays on 127.0.0.1 and every phase is bounded in time.
"""

import argparse
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PORT = 8123
# Production settings, on plain HTTP; the in-process query counts use the same.
SERVER_ENV = {
    "DJANGO_DEBUG": "0",
    "DJANGO_SECRET_KEY": "benchmark-only-secret-key-not-for-production-0123456789",
    "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
    "DJANGO_SECURE_SSL_REDIRECT": "0",
    "DJANGO_SESSION_COOKIE_SECURE": "0",
    "DJANGO_CSRF_COOKIE_SECURE": "0",
    "DJANGO_STATIC_MANIFEST": "0",
    "DJANGO_REQUEST_LOG_LEVEL": "WARNING",
}
os.environ.update(SERVER_ENV)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "corpus_site.settings")


def scenarios():
    """(name, path) of every page to time, with values taken from the database."""
    import django

    django.setup()
    from django.db.models import Count

    from claims.models import Claim, Company, Topic
    from claims.public.filters import ClaimFilterSet
    from claims.scale.pagination import encode_cursor

    public = Claim.objects.public()
    company = Company.objects.annotate(n=Count("claims")).order_by("-n").values_list("slug", flat=True)[0]
    topic = Topic.objects.annotate(n=Count("claims")).order_by("-n").values_list("slug", flat=True)[0]
    claim = public.order_by("-pk").values_list("pk", flat=True)[0]
    ordering = ClaimFilterSet(data={}, queryset=public).ordering
    deep_row = public.order_by(*(key.order_by() for key in ordering)).values(*(k.field for k in ordering))[49_950]
    deep_cursor = encode_cursor(ordering, deep_row)
    return [
        ("claim list", "/"),
        ("filtered: company+topic+kind", f"/?company={company}&topic={topic}&kind=event"),
        ("search, common term", "/?q=platform"),
        ("search, rare term", "/?q=quasarite"),
        ("deep page (1,000)", f"/?after={deep_cursor}"),
        ("claim page", f"/claims/{claim}/"),
        ("company page", f"/companies/{company}/"),
        ("API list", "/api/claims/"),
        ("admin changelist", "/admin/claims/claim/"),
        ("admin change page", f"/admin/claims/claim/{claim}/change/"),
    ]


def facet_timings(repeats):
    """(name, query count, [ms]) of counting the facets of the claim list, in
    process, with the facet cache emptied before each run: what a list page
    costs the first time a filter is asked for after a change."""
    from django.core.cache import cache
    from django.db import connection
    from django.db.models import Count
    from django.http import QueryDict
    from django.test.utils import CaptureQueriesContext

    from claims.models import Claim, Company, Topic
    from claims.public.facets import ClaimFacets
    from claims.public.filters import ClaimFilterSet

    company = Company.objects.annotate(n=Count("claims")).order_by("-n").values_list("slug", flat=True)[0]
    topic = Topic.objects.annotate(n=Count("claims")).order_by("-n").values_list("slug", flat=True)[0]
    results = []
    for name, query in [
        ("facet counts, unfiltered", ""),
        ("facet counts, company+topic+kind", f"company={company}&topic={topic}&kind=event"),
        ("facet counts, rare term", "q=quasarite"),
    ]:
        params = QueryDict(query)
        times = []
        for _ in range(repeats):
            cache.clear()
            filterset = ClaimFilterSet(data=params, queryset=Claim.objects.public())
            with CaptureQueriesContext(connection) as queries:
                start = time.perf_counter()
                facets = list(ClaimFacets(filterset, params))
                times.append((time.perf_counter() - start) * 1000)
        unavailable = [facet.name for facet in facets if facet.unavailable]
        results.append((name, len(queries), times, unavailable))
    return results


def export_rate(path, rows_wanted, cookie):
    """Rows per second of a streamed CSV export, reading its first rows_wanted rows."""
    request = urllib.request.Request(f"http://127.0.0.1:{PORT}{path}", headers={"Cookie": cookie})
    start = time.perf_counter()
    rows = -1  # the header
    with urllib.request.urlopen(request, timeout=600) as response:
        for _ in response:
            rows += 1
            if rows >= rows_wanted:
                break
    return rows, rows / (time.perf_counter() - start)


def admin_cookie():
    """A session cookie for a superuser, made directly in the database."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
    from django.contrib.sessions.backends.db import SessionStore

    user, _ = get_user_model().objects.get_or_create(
        username="benchmark-admin", defaults={"is_staff": True, "is_superuser": True}
    )
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    return f"sessionid={session.session_key}"


def query_count(path, cookie):
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_COOKIE=cookie)
    client.get(path)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    return len(queries), response.status_code


def start_server(workers, log=None):
    """gunicorn on 127.0.0.1:PORT; with log (an open file), every request's
    JSON log line goes there."""
    env = dict(os.environ)
    if log is not None:
        env["DJANGO_REQUEST_LOG_LEVEL"] = "INFO"
    server = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "corpus_site.wsgi",
            "-b",
            f"127.0.0.1:{PORT}",
            "-w",
            str(workers),
            "--timeout",
            "60",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        stderr=log,
        start_new_session=True,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", PORT), timeout=1).close()
            return server
        except OSError:
            time.sleep(0.2)
    os.killpg(server.pid, signal.SIGTERM)
    raise SystemExit("gunicorn did not start within 30 s")


# An unknown session id makes a request count as logged in for the page cache
# (so the timings are of real work) without being anyone.
UNCACHED = "sessionid=benchmark-uncached"


def timed_get(path, cookie):
    request = urllib.request.Request(f"http://127.0.0.1:{PORT}{path}", headers={"Cookie": cookie})
    start = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            body = response.read()
            server = response.headers.get("Server-Timing", "")
    except urllib.error.HTTPError as error:  # a 503 past the time limit is a result too
        body, server = error.read(), error.headers.get("Server-Timing", "")
    wall = (time.perf_counter() - start) * 1000
    match = re.search(r"dur=([\d.]+)", server)
    return (float(match.group(1)) if match else wall), wall, len(body)


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def ensure_wrk():
    """wrk, from Debian's packages if it is not installed."""
    if not shutil.which("wrk"):
        sudo = [] if os.geteuid() == 0 else ["sudo"]
        subprocess.run([*sudo, "apt-get", "install", "-y", "-q", "wrk"], check=True, capture_output=True)


def wrk(path, clients, seconds, cookie=None):
    ensure_wrk()
    result = subprocess.run(
        [
            "wrk",
            "-t2",
            f"-c{clients}",
            f"-d{seconds}s",
            "--latency",
            "--timeout",
            "10s",
            *(["-H", f"Cookie: {cookie}"] if cookie else []),
            f"http://127.0.0.1:{PORT}{path}",
        ],
        capture_output=True,
        text=True,
        timeout=seconds + 30,
    )
    out = result.stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(r"Socket errors: (.*)", out)

    def latency(label):
        match = re.search(rf"{label}%\s+([\d.]+)(us|ms|s)", out)
        value, unit = float(match.group(1)), match.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    return rate, latency("90"), latency("99"), int(errors.group(1)) if errors else 0, socket_errors


def main():
    sys.stdout.reconfigure(line_buffering=True)
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--throughput-only", action="store_true", help="Skip the per-page timings.")
    parser.add_argument(
        "--only", metavar="TEXT", help="Time only the pages whose name contains TEXT (e.g. 'search'), nothing else."
    )
    args = parser.parse_args()

    pages = scenarios()
    if args.only:
        pages = [(name, path) for name, path in pages if args.only in name]
    cookie = admin_cookie()
    from django.db import connection

    print(f"database: {connection.vendor} ({connection.settings_dict['NAME']}), gunicorn workers: {args.workers}")
    counts = {name: query_count(path, cookie) for name, path in pages}
    server = start_server(args.workers)
    try:
        print(f"\n{'page':<30} {'queries':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'KB':>6}")
        for name, path in [] if args.throughput_only else pages:
            page_cookie = cookie if path.startswith("/admin/") else UNCACHED
            for _ in range(args.warmup):
                timed_get(path, page_cookie)
            times = [timed_get(path, page_cookie) for _ in range(args.requests)]
            server_ms = [t[0] for t in times]
            queries, status = counts[name]
            print(
                f"{name:<30} {queries:>7} {percentile(server_ms, 50):>8.1f} {percentile(server_ms, 95):>8.1f} "
                f"{percentile(server_ms, 99):>8.1f} {times[0][2] / 1024:>6.0f}"
                + ("" if status == 200 else f"  HTTP {status}")
            )
        if args.only:
            return
        if not args.throughput_only:
            for name, queries, times, unavailable in facet_timings(max(5, args.requests // 10)):
                print(
                    f"{name:<30} {queries:>7} {percentile(times, 50):>8.1f} {percentile(times, 95):>8.1f} "
                    f"{percentile(times, 99):>8.1f}       "
                    + (f"  unavailable: {', '.join(unavailable)}" if unavailable else "")
                )
            rows, rate = export_rate("/claims.csv?kind=event&kind=assessment", 100_000, UNCACHED)
            print(f"{'CSV export':<30} {'':>7} {rows:>8,} rows at {rate:,.0f} rows/s")
        print(f"\nthroughput, {args.clients} concurrent clients, {args.seconds} s each (wrk):")
        print(f"{'page':<30} {'req/s':>8} {'p90 ms':>8} {'p99 ms':>8} {'errors':>7}")
        runs = [
            ("filtered list, uncached", pages[1][1], UNCACHED),
            ("list with facets, uncached", pages[0][1], UNCACHED),
            ("claim list, anonymous (cached)", pages[0][1], None),
            ("claim page, anonymous (cached)", pages[5][1], None),
        ]
        for name, path, run_cookie in runs:
            # Warm: "uncached" means no page cache, not a cold facet cache.
            for _ in range(args.warmup):
                timed_get(path, run_cookie or "")
            rate, p90, p99, errors, socket_errors = wrk(path, args.clients, args.seconds, run_cookie)
            print(
                f"{name:<30} {rate:>8.0f} {p90:>8.1f} {p99:>8.1f} {errors:>7}"
                + (f"  {socket_errors.group(1)}" if socket_errors else "")
            )
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
