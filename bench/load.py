"""Benchmark load_corpus against Django's loaddata, on SQLite and PostgreSQL.

    .venv/bin/python -m bench.load                       # 100,000 claims
    .venv/bin/python -m bench.load --claims 1000000      # the issue's target size
    .venv/bin/python -m bench.load --backends sqlite     # one database only

For each database: a fresh, migrated database; a synthetic fixture of N
claims with 3 citations each (bench/synthetic.py); `load_corpus` timed as a
child process (validation, quote verification and writing included), with
its peak RSS. Then the same data in Django's own fixture format (made with
dumpdata) through `loaddata`, on the first --loaddata-claims claims only:
loaddata is slow enough that the full size would take hours; its rate is
per claim with the same citations, companies and topics.

PostgreSQL: PG_URL (default postgres://postgres@127.0.0.1:5432/postgres) is
used to create and drop a scratch database `corpus_bench`.
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench import synthetic

ROOT = Path(__file__).resolve().parent.parent
MANAGE = [sys.executable, str(ROOT / "manage.py")]


def run(env, *args, capture=False):
    """Run manage.py; return (seconds, peak RSS in MB, stdout)."""
    start = time.perf_counter()
    child = subprocess.Popen([*MANAGE, *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    output = child.stdout.read()
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"manage.py {' '.join(args)} failed:\n{output}")
    return seconds, usage.ru_maxrss / 1024, output


def fresh_database(backend, workdir):
    env = {**os.environ, "DJANGO_DEBUG": "1"}
    if backend == "sqlite":
        path = Path(workdir) / "bench.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        env["DATABASE_URL"] = f"sqlite:///{path}"
    else:
        import psycopg

        admin = os.environ.get("PG_URL", "postgres://postgres@127.0.0.1:5432/postgres")
        with psycopg.connect(admin, autocommit=True) as db:
            db.execute("DROP DATABASE IF EXISTS corpus_bench WITH (FORCE)")
            db.execute("CREATE DATABASE corpus_bench")
        env["DATABASE_URL"] = admin.rsplit("/", 1)[0] + "/corpus_bench"
    run(env, "migrate", "--noinput", "-v0")
    return env


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--claims", type=int, default=100_000)
    parser.add_argument("--loaddata-claims", type=int, default=5_000)
    parser.add_argument("--backends", nargs="+", default=["sqlite", "postgres"], choices=["sqlite", "postgres"])
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="corpus-bench-") as workdir:
        fixtures, texts = synthetic.write(Path(workdir) / "data", args.claims)
        small, small_texts = synthetic.write(Path(workdir) / "small", args.loaddata_claims)
        rows = []
        for backend in args.backends:
            env = fresh_database(backend, workdir)
            seconds, rss, _ = run(env, "load_corpus", str(fixtures), f"--texts={texts}", "-v0")
            rows.append((backend, "load_corpus", args.claims, seconds, rss))

            # The same data as Django fixtures: load it with load_corpus, dump it, load it again with loaddata.
            env = fresh_database(backend, workdir)
            run(env, "load_corpus", str(small), f"--texts={small_texts}", "-v0")
            dump = Path(workdir) / f"dump-{backend}.json"
            run(
                env,
                "dumpdata",
                "claims.company",
                "claims.topic",
                "claims.source",
                "claims.claim",
                "claims.citation",
                "--output",
                str(dump),
            )
            env = fresh_database(backend, workdir)
            seconds, rss, _ = run(env, "loaddata", str(dump), "-v0")
            rows.append((backend, "loaddata", args.loaddata_claims, seconds, rss))

    print(f"\n{'database':<10} {'command':<12} {'claims':>10} {'seconds':>9} {'claims/s':>10} {'peak RSS MB':>12}")
    for backend, command, claims, seconds, rss in rows:
        print(f"{backend:<10} {command:<12} {claims:>10,} {seconds:>9.1f} {claims / seconds:>10,.0f} {rss:>12.0f}")
    for backend in args.backends:
        rates = {c: n / s for b, c, n, s, _ in rows if b == backend}
        print(f"{backend}: load_corpus is {rates['load_corpus'] / rates['loaddata']:.1f}x loaddata (claims/s)")
    print("(each claim: 3 citations, 1-2 companies, 1 topic; load_corpus includes quote verification)")


if __name__ == "__main__":
    main()
