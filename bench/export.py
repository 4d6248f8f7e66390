"""Export every published claim of the configured database as CSV, JSON and
JSON Lines, and print rows/s and the peak memory (RSS) of the generation.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/corpus_1m .venv/bin/python -m bench.export
    DATABASE_URL=sqlite:////path/to/bench.sqlite3 .venv/bin/python -m bench.export --formats csv json

Fill the database first with bench/generate.py. Each export runs in a child
process of its own (a fresh interpreter, so that its peak RSS is the
export's alone), with production settings (DEBUG off): the child sends a
request for /claims.<format>?<query> to corpus_site.wsgi.application, as
gunicorn would (with the web server's per-statement time limit), and reads
the streamed response to the end, counting its bytes. The time is the
server's whole work: the queries, building the rows and writing the file;
only the network is left out. "cpu s" is the child's own CPU time (on SQLite
all of the work; on PostgreSQL without the database server's). Nothing is
written to the database.
"""

import argparse
import io
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Production settings on plain HTTP, as a server would run them.
CHILD_ENV = {
    "DJANGO_SETTINGS_MODULE": "corpus_site.settings",
    "DJANGO_DEBUG": "0",
    "DJANGO_SECRET_KEY": "benchmark-only-secret-key-not-for-production-0123456789",
    "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
    "DJANGO_SECURE_SSL_REDIRECT": "0",
    "DJANGO_STATIC_MANIFEST": "0",
    "DJANGO_REQUEST_LOG_LEVEL": "WARNING",
}
# The target: the whole corpus out at this rate, in this much memory.
TARGET_ROWS_PER_SECOND = 100_000
TARGET_PEAK_MB = 200
WIDTHS = [7, 11, 9, 9, 8, 10, 10, 12, 10]


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def export(format, query):
    """In the child: run one export through the WSGI handler; return its figures."""
    sys.path.insert(0, str(ROOT))
    # The application gunicorn serves (which sets Django up), with its per-statement time limit.
    import corpus_site.wsgi

    application = corpus_site.wsgi.application
    from claims.models import Claim
    from claims.public.filters import ClaimFilterSet

    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": f"/claims.{format}",
        "QUERY_STRING": query,
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "80",
        "HTTP_HOST": "127.0.0.1",
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(),
        "wsgi.errors": sys.stderr,
    }
    status = []
    before_mb = peak_rss_mb()
    started, cpu_started = time.perf_counter(), time.process_time()
    body = application(environ, lambda s, headers, exc_info=None: status.append(s))
    size = lines = 0
    first_byte = None
    try:
        for block in body:
            if first_byte is None:
                first_byte = time.perf_counter() - started
            size += len(block)
            lines += block.count(b"\n")
    finally:
        body.close()
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started
    from django.http import QueryDict

    rows = ClaimFilterSet(data=QueryDict(query), queryset=Claim.objects.public()).qs.count()
    return {
        "format": format,
        "status": status[0],
        "rows": rows,
        "bytes": size,
        "lines": lines,
        "seconds": seconds,
        "cpu_seconds": cpu_seconds,
        "first_byte_seconds": first_byte,
        "rows_per_second": rows / seconds if seconds else 0,
        "rss_before_mb": before_mb,
        "peak_rss_mb": peak_rss_mb(),
    }


def run_child(format, query):
    env = {**os.environ, **CHILD_ENV}
    result = subprocess.run(
        [sys.executable, "-m", "bench.export", "--child", format, "--query", query],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise SystemExit(f"The {format} export failed:\n{result.stderr}")
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    if not figures["status"].startswith("200"):
        raise SystemExit(f"The {format} export answered {figures['status']}:\n{result.stderr}")
    if format == "jsonl" and figures["lines"] != figures["rows"]:
        raise SystemExit(f"The JSON Lines export has {figures['lines']:,} lines for {figures['rows']:,} claims.")
    return figures


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--formats", nargs="+", default=["csv", "json", "jsonl"], choices=["csv", "json", "jsonl"])
    parser.add_argument("--query", default="", help="A claim list query string, e.g. 'company=company-1'.")
    parser.add_argument("--child", choices=["csv", "json", "jsonl"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(export(args.child, args.query)))
        return
    database = os.environ.get("DATABASE_URL", "sqlite (db.sqlite3)").rsplit("@", 1)[-1]
    print(f"database: {database}  query: {args.query or '(every published claim)'}")
    print(f"load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    header = ("format", "rows", "MB out", "seconds", "cpu s", "1st byte", "rows/s", "RSS before", "peak RSS")
    print("".join(f"{name:<7}" if i == 0 else f"{name:>{WIDTHS[i]}}" for i, name in enumerate(header)))
    ok = True
    for format in args.formats:
        r = run_child(format, args.query)
        ok &= r["rows_per_second"] >= TARGET_ROWS_PER_SECOND and r["peak_rss_mb"] < TARGET_PEAK_MB
        print(
            f"{format:<7}{r['rows']:>11,}{r['bytes'] / 1e6:>9.1f}{r['seconds']:>9.2f}{r['cpu_seconds']:>8.2f}"
            f"{r['first_byte_seconds']:>10.2f}"
            f"{r['rows_per_second']:>10,.0f}{r['rss_before_mb']:>10.0f}MB{r['peak_rss_mb']:>8.0f}MB"
        )
    print(f"load average afterwards: {os.getloadavg()[0]:.1f}")
    print(f"target: >= {TARGET_ROWS_PER_SECOND:,} rows/s, peak RSS < {TARGET_PEAK_MB} MB: {'met' if ok else 'NOT met'}")


if __name__ == "__main__":
    main()
