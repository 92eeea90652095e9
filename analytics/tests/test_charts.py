"""Chart axes a person can read: labels that fit inside the picture and never crowd each other."""

from __future__ import annotations

import re

from analytics.services.charts import NO_DATA, Series, bar_chart_svg

AXIS_LABEL = re.compile(r'<text x="([\d.]+)" y="[\d.]+" font-size="10" text-anchor="end"[^>]*>([^<]+)</text>')
DAY_LABEL = re.compile(r'text-anchor="middle"[^>]*>([^<]+)</text>')


def test_revenue_axis_labels_fit_inside_the_chart() -> None:
    svg = bar_chart_svg("Revenue per day", ["01 Nov", "02 Nov"], [Series("Converted", [12_500.0, 86_000.0], "#000")],
                        stacked=False, unit="MYR")  # fmt: skip
    labels = AXIS_LABEL.findall(svg)
    assert [text for _, text in labels] == ["MYR 0", "MYR 50k", "MYR 100k"]
    for x, text in labels:
        assert float(x) - 6 * len(text) >= 0, f"{text!r} is cut at the left edge"


def test_a_ninety_day_axis_shows_at_most_ten_day_labels() -> None:
    days = [f"{d:02d} Nov" for d in range(1, 31)] * 3
    svg = bar_chart_svg("Inquiries", days, [Series("WhatsApp", [1.0] * 90, "#000")])
    assert 5 <= len(DAY_LABEL.findall(svg)) <= 10


def test_a_small_axis_keeps_its_half_way_line_readable() -> None:
    svg = bar_chart_svg("Inquiries", ["01 Nov"], [Series("WhatsApp", [1.0], "#000")])
    assert [text for _, text in AXIS_LABEL.findall(svg)] == ["0", "0.5", "1"]


BAR = re.compile(r'<rect x="([\d.]+)" y="[\d.]+" width="([\d.]+)" height="([\d.]+)" fill="(#\w+)"><title>')


def test_series_that_do_not_stack_stand_side_by_side_so_the_smaller_one_shows() -> None:
    svg = bar_chart_svg(
        "Revenue per day",
        ["01 Nov", "02 Nov"],
        [Series("Converted", [1_000.0, 0.0], "#25a35a"), Series("Expected", [9_000.0, 4_000.0], "#999999")],
        stacked=False,
        unit="MYR",
    )
    bars = [(float(x), float(w), float(h), colour) for x, w, h, colour in BAR.findall(svg)]
    converted, expected = bars[0], bars[1]  # the first day: one bar per series
    assert converted[3] == "#25a35a" and expected[3] == "#999999"
    assert converted[2] > 0 and converted[0] + converted[1] <= expected[0], "the converted bar is hidden"


def test_stacked_series_share_the_day_s_bar() -> None:
    svg = bar_chart_svg("Inquiries", ["01 Nov"], [Series("WhatsApp", [2.0], "#000"), Series("E-mail", [1.0], "#111")])
    (x1, w1, _, _), (x2, w2, _, _) = BAR.findall(svg)
    assert (x1, w1) == (x2, w2)


def test_an_empty_period_says_so_in_words() -> None:
    empty = bar_chart_svg("Inquiries", ["01 Nov", "02 Nov"], [Series("WhatsApp", [0.0, 0.0], "#000")])
    assert NO_DATA in empty
    assert NO_DATA not in bar_chart_svg("Inquiries", ["01 Nov", "02 Nov"], [Series("WhatsApp", [0.0, 1.0], "#000")])


def test_a_share_is_drawn_out_of_a_hundred() -> None:
    """Not "0%, 0%, 1%" on an empty period, nor a 5% day drawn to the top of the chart."""
    for values in ([0.0, 0.0], [5.0, 2.0]):
        svg = bar_chart_svg("After hours", ["01 Nov", "02 Nov"], [Series("Share", values, "#000")], unit="%")
        assert [text for _, text in AXIS_LABEL.findall(svg)] == ["0%", "50%", "100%"]
