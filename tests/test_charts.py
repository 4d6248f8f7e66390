"""claims/public/charts.py: the geometry of a metric's chart, without HTTP."""

import datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest

from claims.public import charts


def fig(source, period, value, unit="USD", scale="billion", qualifier="exact", value_max=None, pk=None):
    start, end = period if period else (None, None)
    return SimpleNamespace(
        pk=pk or id(object()),
        source=source,
        source_id=source.pk,
        period_start=start,
        period_end=end,
        period_display=f"{start}–{end}" if start else "",
        value=Decimal(value),
        value_max=None if value_max is None else Decimal(value_max),
        value_qualifier=qualifier,
        unit=unit,
        scale=scale,
        value_display=f"{value} {scale} {unit}",
    )


A = SimpleNamespace(pk=1, title="Source A")
B = SimpleNamespace(pk=2, title="Source B")
YEAR_2017 = (datetime.date(2017, 1, 1), datetime.date(2017, 12, 31))
YEAR_2018 = (datetime.date(2018, 1, 1), datetime.date(2018, 12, 31))
DEC_2017 = (datetime.date(2017, 12, 1), datetime.date(2017, 12, 31))


def test_one_panel_per_unit_and_one_mark_per_dated_figure():
    chart = charts.chart(
        [fig(A, YEAR_2017, "5"), fig(B, YEAR_2018, "7"), fig(A, YEAR_2018, "30", unit="percent", scale="one")]
    )
    assert [panel.unit for panel in chart.panels] == ["USD", "percent"]
    assert [len(panel.marks) for panel in chart.panels] == [2, 1]
    assert [series.source for series in chart.series] == [A, B]


def test_values_are_brought_to_one_scale_within_a_unit():
    chart = charts.chart([fig(A, YEAR_2017, "500", scale="million"), fig(B, YEAR_2018, "2", scale="billion")])
    (panel,) = chart.panels
    assert panel.axis_label == "billion USD"
    low, high = panel.marks
    # 500 million sits at a quarter of 2 billion's height above zero.
    zero = panel.y(0)
    assert (zero - low.cy) * 4 == pytest.approx(zero - high.cy)


def test_a_range_is_drawn_from_value_to_value_max():
    chart = charts.chart([fig(A, YEAR_2017, "10", qualifier="range", value_max="20")])
    (mark,) = chart.panels[0].marks
    panel = chart.panels[0]
    assert mark.shape == "range"
    assert not mark.dot
    assert f"M{mark.cx:g} {panel.y(10e9):g}V{panel.y(20e9):g}" in mark.path


@pytest.mark.parametrize("qualifier, shape, direction", [("over", "over", -1), ("under", "under", 1)])
def test_bounds_point_the_way_the_value_lies(qualifier, shape, direction):
    chart = charts.chart([fig(A, YEAR_2017, "10", qualifier=qualifier)])
    (mark,) = chart.panels[0].marks
    assert mark.shape == shape and mark.dot
    tip = mark.cy + direction * charts.ARROW
    assert f"V{tip:g}" in mark.path


def test_approximate_values_are_hollow():
    chart = charts.chart([fig(A, YEAR_2017, "10", qualifier="approx"), fig(B, YEAR_2017, "11")])
    assert [mark.shape for mark in chart.panels[0].marks] == ["approx", "exact"]


def test_the_mark_sits_at_the_middle_of_its_period_with_the_span_drawn():
    chart = charts.chart([fig(A, YEAR_2017, "10"), fig(B, DEC_2017, "12")])
    panel = chart.panels[0]
    year, december = panel.marks
    assert year.span == (panel.x(YEAR_2017[0]), panel.x(datetime.date(2018, 1, 1)))
    assert year.cx == pytest.approx(sum(year.span) / 2)
    assert december.cx > year.cx


def test_figures_without_a_period_are_left_to_the_table():
    chart = charts.chart([fig(A, YEAR_2017, "10"), fig(B, None, "12")])
    assert len(chart.panels[0].marks) == 1
    assert chart.panels[0].undated == 1


def test_two_sources_giving_the_same_figure_both_show():
    chart = charts.chart([fig(A, YEAR_2017, "10"), fig(B, YEAR_2017, "10")])
    first, second = chart.panels[0].marks
    assert first.cy == second.cy and first.cx != second.cx


def test_the_axes_include_zero_and_every_value():
    chart = charts.chart(
        [fig(A, YEAR_2017, "-3", unit="percent", scale="one"), fig(B, YEAR_2018, "12", "percent", "one")]
    )
    (panel,) = chart.panels
    values = [tick.value for tick in panel.y_ticks]
    assert min(values) <= -3 and max(values) >= 12 and 0 in values
    assert [tick.text for tick in panel.x_labels] == ["2017", "2018"]
