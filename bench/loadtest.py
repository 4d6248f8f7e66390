"""Load test: 50 concurrent clients over the public pages while load_corpus
adds a new source, on PostgreSQL with the 1M-claim corpus.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/corpus_1m CACHE_URL=redis://127.0.0.1:6379/3 \\
        .venv/bin/python -m bench.loadtest --seconds 60

Starts gunicorn on 127.0.0.1 (production settings), runs wrk (installed from
Debian if missing) for --seconds (at most 120) with --clients connections,
each request a different public page (lists, filters, searches, claim,
company and source pages, the API), half of them with a session cookie so
they bypass the page cache; each page is requested once first (--cold:
the cache emptied instead). Meanwhile it loads a new synthetic source of --new-claims claims with load_corpus and
polls, in its own transactions, how many claims of that source a reader
sees: it must always be 0 or all of them. Prints req/s, latency
percentiles, non-2xx responses, and the reader's observations.

--hostile N adds N connections that put a random unknown parameter on
every request (as a scraper or an attacker might); run with and without it
and compare the other clients' p99.
"""

import argparse
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psycopg

from bench import synthetic
from bench.run import PORT, SERVER_ENV, ensure_wrk, start_server, timed_get

ROOT = Path(__file__).resolve().parent.parent

# A session cookie sends a request past the page cache (claims/scale/pagecache.py).
UNCACHED = "sessionid=loadtest-uncached"

LUA = """
paths = {%s}
counter = 0
request = function()
  counter = counter + 1
  local path = paths[(counter %% #paths) + 1]
  if counter %% 2 == 0 then
    return wrk.format("GET", path, {["Cookie"] = "%s"})
  end
  return wrk.format("GET", path)
end
"""

# A hostile client: the same pages, each with a parameter no page reads and a
# new random value every time (claims/parameters.py sends it to the page
# without it, rather than minting a cache entry per request).
HOSTILE_LUA = """
paths = {%s}
counter = 0
request = function()
  counter = counter + 1
  local path = paths[(counter %% #paths) + 1]
  local sep = string.find(path, "?", 1, true) and "&" or "?"
  return wrk.format("GET", path .. sep .. "zz=" .. math.random(1, 1000000000))
end
"""

PATHS = [
    "/",
    "/?kind=event",
    "/?topic=topic-1",
    "/?company=company-2&kind=figure",
    "/?q=market",
    "/?q=zephyrism",
    "/?year=2010",
    "/sources/",
    "/companies/",
    "/topics/",
    "/coverage/",
    "/disagreements/",
    "/claims/{claim}/",
    "/companies/company-40/",
    "/sources/source-5/",
    "/api/claims/",
    "/api/claims/?company=company-3",
]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--workers", type=int, default=5)  # make serve: 2 x cores + 1
    parser.add_argument("--new-claims", type=int, default=20_000)
    parser.add_argument(
        "--cold", action="store_true", help="Empty the shared cache (CACHE_URL) first and skip the warm-up."
    )
    parser.add_argument(
        "--hostile",
        type=int,
        default=0,
        metavar="N",
        help="Also N connections adding a random unknown parameter to every request; compare the other "
        "clients' p99 with a run without.",
    )
    args = parser.parse_args()
    seconds = min(args.seconds, 120)
    url = os.environ["DATABASE_URL"]
    with psycopg.connect(url, autocommit=True) as db:
        claim = db.execute("SELECT max(id) FROM claims_claim WHERE status = 'published'").fetchone()[0]
    paths = [p.format(claim=claim) for p in PATHS]

    workdir = Path(tempfile.mkdtemp(prefix="loadtest-"))
    fixtures, texts = synthetic.write(workdir, args.new_claims, seed=int(time.time()))
    source_file = fixtures / "sources" / "bench.jsonl"
    key = f"loadtest-{int(time.time())}"
    content = source_file.read_text().replace('"key": "bench"', f'"key": "{key}"', 1)
    # The synthetic vocabularies use their own slugs: load them too (unchanged after the first run).
    source_file.write_text(content)
    (workdir / "load.lua").write_text(LUA % (", ".join(f'"{p}"' for p in paths), UNCACHED))
    (workdir / "hostile.lua").write_text(HOSTILE_LUA % ", ".join(f'"{p}"' for p in paths))

    observed, stop = set(), threading.Event()

    def reader():
        with psycopg.connect(url, autocommit=True) as db:
            while not stop.is_set():
                count = db.execute(
                    "SELECT count(*) FROM claims_claim c JOIN claims_source s ON s.id = c.source_id WHERE s.key = %s",
                    [key],
                ).fetchone()[0]
                observed.add(count)
                time.sleep(0.05)

    ensure_wrk()
    os.environ.update(SERVER_ENV)
    log_path = workdir / "requests.log"
    log = log_path.open("w")
    server = start_server(args.workers, log=log)
    try:
        if args.cold:
            empty_cache()
        else:
            # Each page once, as a reader and as a logged-in user, before the
            # clock starts: the test is of a running site, not of its first minute.
            warm_started = time.perf_counter()
            for path in paths:
                for cookie in ("", UNCACHED):
                    timed_get(path, cookie)
            print(f"warm-up: {len(paths) * 2} requests in {time.perf_counter() - warm_started:.1f}s")
        wrk = start_wrk(2, args.clients, seconds, workdir / "load.lua", "--latency")
        hostile = start_wrk(1, args.hostile, seconds, workdir / "hostile.lua") if args.hostile else None
        thread = threading.Thread(target=reader, daemon=True)
        thread.start()
        time.sleep(min(5, seconds / 4))
        started = time.perf_counter()
        load_started = time.time()
        load = subprocess.run(
            [sys.executable, str(ROOT / "manage.py"), "load_corpus", str(fixtures), f"--texts={texts}", "-v0"],
            env={**os.environ, "DJANGO_DEBUG": "1"},
            capture_output=True,
            text=True,
            timeout=600,
        )
        load_seconds = time.perf_counter() - started
        load_ended = time.time()
        out, _ = wrk.communicate(timeout=seconds + 60)
        hostile_out = hostile.communicate(timeout=seconds + 60)[0] if hostile else ""
        time.sleep(0.5)
        stop.set()
        thread.join(timeout=5)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        log.close()

    print(out)
    if hostile_out:
        rate = re.search(r"Requests/sec:\s+([\d.]+)", hostile_out)
        print(
            f"hostile client ({args.hostile} connections, random unknown parameters): "
            f"{rate.group(1) if rate else '?'} req/s (redirects to the page without them)"
        )
    report_server_times(log_path, load_started, load_ended)
    rate = re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    print(f"requests/s: {rate}; non-2xx: {non2xx.group(1) if non2xx else 0}")
    print(f"load_corpus of {args.new_claims:,} claims during the test: exit {load.returncode} in {load_seconds:.1f}s")
    if load.returncode:
        print(load.stderr[-2000:])
    print(f"claims of the new source seen by a reader: {sorted(observed)} (must be only 0 and {args.new_claims})")
    if not observed <= {0, args.new_claims}:
        raise SystemExit("a reader saw a half-loaded source")


def start_wrk(threads, connections, seconds, script, *options):
    return subprocess.Popen(
        [
            "wrk",
            f"-t{threads}",
            f"-c{connections}",
            f"-d{seconds}s",
            *options,
            "--timeout",
            "10s",
            "-s",
            str(script),
            f"http://127.0.0.1:{PORT}/",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )


def empty_cache():
    """Clear the cache the server uses: what a restarted Redis would give it."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "corpus_site.settings")
    django.setup()
    from django.core.cache import cache

    cache.clear()
    print("cache emptied; no warm-up")


def report_server_times(log_path, load_started, load_ended):
    """From the server's request log: time spent in Django per page (not the
    wait for a free worker, which wrk's latency adds), and requests finished
    per second, to show what the load's commit does to the server."""
    entries = []
    for line in log_path.read_text().splitlines():
        if line.startswith("{"):
            entry = json.loads(line)
            if "duration_ms" in entry:
                entries.append(entry)
    if not entries:
        print("no request log")
        return
    by_page = {}
    for entry in entries:
        page = entry["path"] + (f"?{entry['query']}" if entry["query"] else "")
        page = re.sub(r"/claims/\d+/", "/claims/<id>/", page)
        by_page.setdefault(page, []).append(entry["duration_ms"])
    print(f"\n{'server time per page':<45} {'n':>5} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}")
    for page, times in sorted(by_page.items()):
        times.sort()
        print(
            f"{page[:45]:<45} {len(times):>5} {times[len(times) // 2]:>8.0f} "
            f"{times[min(len(times) - 1, int(0.99 * len(times)))]:>8.0f} {times[-1]:>8.0f}"
        )
    statuses = {}
    for entry in entries:
        statuses[entry["status"]] = statuses.get(entry["status"], 0) + 1
    print(f"statuses in the server's log: {dict(sorted(statuses.items()))}")
    per_second = {}
    for entry in entries:
        per_second[entry["time"]] = per_second.get(entry["time"], 0) + 1
    marks = {time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(t)) for t in (load_started, load_ended)}
    timeline = " ".join(f"{n}{'*' if second in marks else ''}" for second, n in sorted(per_second.items()))
    print(f"requests finished per second: {timeline}")
    print("(* marks the seconds load_corpus started and committed)")


if __name__ == "__main__":
    main()
