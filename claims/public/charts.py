"""A metric's figures as a chart: value against period, one series (colour)
per source, one panel per unit. Geometry only — coordinates and path data —
for claims/templates/claims/includes/metric_chart.html to draw as inline SVG.

Why our own and not pygal or matplotlib: both write their styling as inline
<style> elements or style="" attributes, which the site's Content Security
Policy (style-src 'self') refuses; neither draws a lower or upper bound as
an arrow; and matplotlib would bring numpy and fonts for a few dozen marks.
Here every mark is a <g class="mark …"> styled from site.css.

What the chart promises a reader:
- Values of different units or currencies never share an axis: one panel
  per unit; within a unit, every figure is brought to one scale with
  Claim.SCALE_FACTORS (500 million and 2 billion on one axis of "billion
  USD"). There is no conversion between currencies.
- The y axis always includes zero, so the distance between two sources'
  marks reads as the size of their disagreement, not a zoomed difference.
- A period is a span: a figure for 2017 covers the year, one for 2017-12 a
  month. Its mark stands at the middle of the span, on a short line as long
  as the span, so a year and a month of that year are told apart at a
  glance and neither is placed at a day it does not name.
- exact: filled dot; approx ("about"): hollow dot; over/under ("more/less
  than"): a dot with an open arrow pointing the way the value lies; range:
  a bar from value to value_max, capped as wide as its period.
- Two sources giving the same figure for the same period are set a little
  apart, so both show.
"""

import datetime
import math
from dataclasses import dataclass, field

from claims.models import Claim

# The drawing, in SVG user units; the SVG scales to the width of the page
# (site.css), so 14-unit text is about 11 px on a 390 px phone.
WIDTH, HEIGHT = 440, 260
TOP, BOTTOM, RIGHT = 30, 26, 14
CHAR = 8  # the width of a digit of the tick labels
DOT = 4.5
ARROW = 16  # the length of a bound's arrow
CAP = 5  # half the narrowest cap of a range
DODGE = 8  # how far apart two equal marks are set
# Colours (site.css .series-0 … .series-5) go round after this many sources;
# the table names the source of every figure.
PALETTE = 6
MAX_YEAR_LABELS = 6

SHAPE_LABELS = {
    "exact": "exactly",
    "approx": "about",
    "over": "more than",
    "under": "less than",
    "range": "between two values",
}


@dataclass
class Series:
    source: object
    colour: int


@dataclass
class Tick:
    value: object  # a number on the y axis, a year on the x axis
    pos: float
    text: str


@dataclass
class Mark:
    claim: object
    shape: str
    colour: int
    cx: float
    cy: float
    span: tuple = None  # (x at the start, x at the end) of the period
    y_max: float = None  # the top of a range
    path: str = ""
    title: str = ""

    @property
    def dot(self):
        return self.shape != "range"


@dataclass
class Panel:
    unit: str
    axis_label: str
    ident: str
    title: str = ""
    description: str = ""
    marks: list = field(default_factory=list)
    undated: int = 0
    y_ticks: list = field(default_factory=list)
    x_labels: list = field(default_factory=list)
    x_grid: list = field(default_factory=list)
    left: float = 40
    width: int = WIDTH
    height: int = HEIGHT
    right: int = WIDTH - RIGHT
    top: int = TOP
    bottom: int = HEIGHT - BOTTOM
    # The axes' domains: ordinal days, and values in the unit (not scaled).
    days: tuple = (0, 1)
    values: tuple = (0, 1)
    factor: int = 1

    @property
    def tick_x(self):
        """Where the y axis's numbers end."""
        return round(self.left - 6, 1)

    @property
    def label_y(self):
        """The baseline of the x axis's years."""
        return self.height - 7

    def x(self, date):
        first, last = self.days
        return round(self.left + (date.toordinal() - first) / (last - first) * (self.right - self.left), 1)

    def y(self, value):
        low, high = self.values
        return round(self.bottom - (value - low) / (high - low) * (self.bottom - self.top), 1)


@dataclass
class Chart:
    ident: str
    series: list
    panels: list
    shapes: list  # (shape, label) of the kinds of mark drawn
    undated: int


def shape_of(claim):
    if claim.value_max is not None:
        return "range"
    return claim.value_qualifier if claim.value_qualifier in ("approx", "over", "under") else "exact"


def in_units(claim, number):
    return float(number) * Claim.SCALE_FACTORS.get(claim.scale or "one", 1)


def chart(figures, label="", ident="chart"):
    """The Chart of these figures (claims of one metric, or several labels of
    one page), panels in order of the units' first appearance."""
    sources = {claim.source_id: claim.source for claim in figures}
    ordered = sorted(sources.values(), key=lambda source: (source.title, source.pk))
    series = [Series(source, i % PALETTE) for i, source in enumerate(ordered)]
    colours = {s.source.pk: s.colour for s in series}
    for claim in figures:
        claim.chart_colour = colours[claim.source_id]  # the table's swatch beside the source
    by_unit = {}
    for claim in figures:
        by_unit.setdefault(claim.unit, []).append(claim)
    panels = []
    for n, (unit, claims) in enumerate(by_unit.items(), start=1):
        dated = [claim for claim in claims if claim.period_start and claim.period_end]
        if dated:
            panel = make_panel(unit, dated, colours, label, f"{ident}-{n}")
            panel.undated = len(claims) - len(dated)
            panels.append(panel)
    drawn = {mark.shape for panel in panels for mark in panel.marks}
    return Chart(
        ident=ident,
        series=series,
        panels=panels,
        shapes=[(shape, text) for shape, text in SHAPE_LABELS.items() if shape in drawn],
        undated=sum(1 for claim in figures if not (claim.period_start and claim.period_end)),
    )


def make_panel(unit, claims, colours, label, ident):
    """One unit's panel: its axes, then a mark per figure."""
    numbers = [in_units(c, c.value) for c in claims] + [in_units(c, c.value_max) for c in claims if c.value_max]
    low, high = min(0.0, *numbers), max(0.0, *numbers)
    factor = max([f for f in Claim.SCALE_FACTORS.values() if f <= max(abs(low), abs(high))] or [1])
    scale = next(name for name, f in Claim.SCALE_FACTORS.items() if f == factor)
    axis_label = unit if scale == "one" else f"{scale} {unit}"
    panel = Panel(unit=unit, axis_label=axis_label, ident=ident, factor=factor)
    set_y_axis(panel, low / factor, high / factor)
    set_x_axis(panel, min(c.period_start for c in claims), max(c.period_end for c in claims))
    panel.marks = [make_mark(panel, claim, colours[claim.source_id]) for claim in claims]
    dodge(panel.marks)
    for mark in panel.marks:
        mark.path = mark_path(mark)
    panel.title = f"{label}, in {axis_label}" if label else axis_label
    panel.description = describe(panel, claims, numbers)
    return panel


def nice_step(span, count=4):
    """A round step (1, 2, 2.5 or 5 × 10^n) giving about count intervals."""
    raw = span / count
    power = 10 ** math.floor(math.log10(raw))
    return next(m * power for m in (1, 2, 2.5, 5, 10) if raw <= m * power * (1 + 1e-9))


def tick_text(value, step):
    decimals = next(d for d in range(7) if abs(round(step, d) - step) < 1e-9 * max(1, abs(step)))
    return f"{value:,.{decimals}f}".replace("-", "−")


def set_y_axis(panel, low, high):
    """Ticks from a round number at or below low to one at or above high (in scaled units)."""
    if high == low:
        high = low + 1
    step = nice_step(high - low)
    first, last = math.floor(low / step + 1e-9), math.ceil(high / step - 1e-9)
    panel.values = (first * step * panel.factor, last * step * panel.factor)
    values = [round(k * step, 9) for k in range(first, last + 1)]
    texts = [tick_text(v, step) for v in values]
    panel.left = 10 + CHAR * max(len(text) for text in texts)
    panel.y_ticks = [Tick(v, panel.y(v * panel.factor), text) for v, text in zip(values, texts, strict=True)]


def set_x_axis(panel, start, end):
    """Whole years, in steps of 1, 2, 5, 10… so that at most MAX_YEAR_LABELS show.
    Years are labelled under the middle of their band when each has one."""
    first, last = start.year, end.year + 1
    step = next(s for s in (1, 2, 5, 10, 20, 25, 50, 100, 250, 500, 1000) if (last - first) / s <= MAX_YEAR_LABELS)
    first, last = first // step * step, -(-last // step) * step
    panel.days = (datetime.date(first, 1, 1).toordinal(), datetime.date(last, 1, 1).toordinal())
    years = range(first, last + 1, step)
    panel.x_grid = [panel.x(datetime.date(year, 1, 1)) for year in years]
    if step == 1:
        middles = [(a + b) / 2 for a, b in zip(panel.x_grid, panel.x_grid[1:], strict=False)]
        panel.x_labels = [Tick(year, round(x, 1), str(year)) for year, x in zip(years, middles, strict=False)]
    else:
        panel.x_labels = [Tick(year, panel.x(datetime.date(year, 1, 1)), str(year)) for year in years]


def make_mark(panel, claim, colour):
    start, end = panel.x(claim.period_start), panel.x(claim.period_end + datetime.timedelta(days=1))
    shape = shape_of(claim)
    mark = Mark(
        claim=claim,
        shape=shape,
        colour=colour,
        cx=round((start + end) / 2, 1),
        cy=panel.y(in_units(claim, claim.value)),
        span=(start, end),
        title=f"{claim.source.title}: {claim.value_display}, {claim.period_display}",
    )
    if shape == "range":
        mark.y_max = panel.y(in_units(claim, claim.value_max))
    return mark


def dodge(marks):
    """Set marks at the same place (two sources agreeing) a little apart."""
    together = {}
    for mark in marks:
        together.setdefault((mark.cx, mark.cy, mark.y_max), []).append(mark)
    for group in together.values():
        for i, mark in enumerate(group):
            mark.cx = round(mark.cx + (i - (len(group) - 1) / 2) * DODGE, 1)


def mark_path(mark):
    """The SVG path data of a mark's bar or arrow; the dot is a <circle>."""
    cx, cy = mark.cx, mark.cy
    if mark.shape == "range":
        left, right = min(mark.span[0], cx - CAP), max(mark.span[1], cx + CAP)
        return f"M{cx:g} {cy:g}V{mark.y_max:g}M{left:g} {cy:g}H{right:g}M{left:g} {mark.y_max:g}H{right:g}"
    if mark.shape in ("over", "under"):
        way = -1 if mark.shape == "over" else 1
        tip = round(cy + way * ARROW, 1)
        back = round(tip - way * 5, 1)
        return f"M{cx:g} {cy:g}V{tip:g}M{cx - 4:g} {back:g}L{cx:g} {tip:g}L{cx + 4:g} {back:g}"
    return ""


def plural(n, word):
    return f"{n} {word}{'' if n == 1 else 's'}"


def describe(panel, claims, numbers):
    """The text a screen reader gives for the panel."""
    sources = len({claim.source_id for claim in claims})
    years = sorted({claim.period_start.year for claim in claims} | {claim.period_end.year for claim in claims})
    period = str(years[0]) if years[0] == years[-1] else f"{years[0]} to {years[-1]}"
    low, high = (tick_text(n / panel.factor, 0.01).removesuffix(".00") for n in (min(numbers), max(numbers)))
    values = f"{low} {panel.axis_label}" if low == high else f"from {low} to {high} {panel.axis_label}"
    return (
        f"{plural(len(claims), 'figure')} from {plural(sources, 'source')}, {period}, {values}; "
        "each figure is listed in the table that follows."
    )
