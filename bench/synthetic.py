"""Synthetic fixture files in the loader's format, for benchmarks and kill tests.

    python -m bench.synthetic OUT_DIR --claims 100000

writes OUT_DIR/fixtures/{companies,topics}.json, OUT_DIR/fixtures/sources/bench.jsonl
(one source, N claims, 3 citations each) and OUT_DIR/texts/bench.txt, the
source text every quote is verified against.
"""

import argparse
import json
import random
from pathlib import Path

WORDS = [
    "platform",
    "cloud",
    "payment",
    "market",
    "users",
    "growth",
    "revenue",
    "investment",
    "innovation",
    "mobile",
    "data",
    "regulation",
    "search",
    "commerce",
    "logistics",
    "video",
    "social",
    "credit",
    "services",
    "enterprise",
    "network",
]
COMPANIES = 50
TOPICS = 20
SENTENCES = 3000


def sentence(rng, i):
    words = " ".join(rng.choice(WORDS) for _ in range(12))
    return f"Sentence {i} says the {words} rose by {rng.randint(1, 99)} percent."


def write(out, claims, seed=1):
    rng = random.Random(seed)
    out = Path(out)
    fixtures, texts = out / "fixtures", out / "texts"
    (fixtures / "sources").mkdir(parents=True, exist_ok=True)
    texts.mkdir(parents=True, exist_ok=True)
    companies = [{"slug": f"company-{i}", "name": f"Company {i}", "aliases": [f"Co {i}"]} for i in range(COMPANIES)]
    topics = [{"slug": f"topic-{i}", "name": f"Topic {i}"} for i in range(TOPICS)]
    (fixtures / "companies.json").write_text(json.dumps({"companies": companies}))
    (fixtures / "topics.json").write_text(json.dumps({"topics": topics}))
    lines = [sentence(rng, i) for i in range(SENTENCES)]
    (texts / "bench.txt").write_text("\n".join(lines) + "\n")
    source = {
        "key": "bench",
        "kind": "report",
        "title": "Benchmark source",
        "published": "2020",
        "text_file": "bench.txt",
    }
    path = fixtures / "sources" / "bench.jsonl"
    with open(path, "w") as handle:
        handle.write(json.dumps({"source": source}) + "\n")
        for i in range(claims):
            figure = i % 3 == 0
            quotes = rng.sample(range(SENTENCES), 3)
            claim = {
                "key": f"claim-{i}",
                "text": f"Company {i % COMPANIES} reported {i} things about topic {i % TOPICS} in {2000 + i % 20}.",
                "kind": "figure" if figure else "event",
                "status": "published",
                "companies": [f"company-{(i * 7) % COMPANIES}"]
                + ([f"company-{i % 3}"] if i % 3 != (i * 7) % COMPANIES else []),
                "topics": [f"topic-{i % TOPICS}"],
                "period": str(2000 + i % 20),
                "citations": [{"quote": lines[q], "locator": f"p. {q // 40 + 1}"} for q in quotes],
            }
            if figure:
                claim["value"] = {
                    "number": i % 1000 + 0.5,
                    "unit": "USD",
                    "scale": "million",
                    "metric": f"Metric {i % 100}",
                }
            handle.write(json.dumps(claim) + "\n")
    return fixtures, texts


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out")
    parser.add_argument("--claims", type=int, default=100_000)
    args = parser.parse_args()
    fixtures, texts = write(args.out, args.claims)
    print(f"wrote {args.claims} claims to {fixtures}, texts in {texts}")


if __name__ == "__main__":
    main()
