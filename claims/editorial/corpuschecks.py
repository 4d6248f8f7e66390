"""Checks of the metrics across the whole corpus: labels so alike they are
probably one metric, and metrics whose figures mix units or currencies."""

from collections import defaultdict

from rapidfuzz import fuzz

from claims.editorial import WARNING, Finding

# Two metric labels at least this similar (rapidfuzz's ratio) are probably
# one metric typed twice ("Alibaba cloud revenue" / "Alibaba Cloud revenues").
METRIC_SCORE = 92


def metric_checks(figures):
    """figures: (metric, unit, source key, claim key) of every figure with a metric."""
    units, first = defaultdict(set), {}
    for metric, unit, source, claim in figures:
        units[metric].add(unit)
        first.setdefault(metric, (source, claim))
    for metric, found in sorted(units.items()):
        if len(found) > 1:
            source, claim = first[metric]
            yield Finding(
                "metric-units",
                WARNING,
                source,
                claim,
                "value/unit",
                f"the figures of “{metric}” mix units: {', '.join(sorted(found))}",
            )
    labels = sorted(units)
    lowered = [label.lower() for label in labels]
    for i, label in enumerate(labels):
        for j in range(i + 1, len(labels)):
            score = fuzz.ratio(lowered[i], lowered[j])
            if score >= METRIC_SCORE:
                source, claim = first[labels[j]]
                yield Finding(
                    "metric-near-duplicate",
                    WARNING,
                    source,
                    claim,
                    "value/metric",
                    f"“{labels[j]}” is {score:.0f}% like “{label}”: one metric, one label",
                )
