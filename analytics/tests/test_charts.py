"""Chart axes a person can read: labels that fit inside the picture and never crowd each other."""

from __future__ import annotations

import re

import pytest

from analytics.services.charts import NO_DATA, Series, bar_chart_svg, draw_inquiries

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


def test_a_small_axis_of_counts_has_whole_ticks() -> None:
    svg = bar_chart_svg("Inquiries", ["01 Nov"], [Series("WhatsApp", [1.0], "#000")])
    assert [text for _, text in AXIS_LABEL.findall(svg)] == ["0", "1", "2"]  # not "0.5" of an inquiry


@pytest.mark.parametrize("most", [0, 1, 2, 3, 5, 7, 9, 11, 25, 33, 55, 99, 101, 250, 999])
def test_an_axis_of_counts_shows_whole_numbers_and_holds_the_busiest_day(most: int) -> None:
    svg = bar_chart_svg("Leads", ["01 Nov", "02 Nov"], [Series("Leads", [float(most), 0.0], "#000")])
    ticks = [text for _, text in AXIS_LABEL.findall(svg)]
    assert all(re.fullmatch(r"[\d,]+|\d+k", text) for text in ticks), ticks
    top = ticks[-1].replace(",", "")
    assert (int(top[:-1]) * 1000 if top.endswith("k") else int(top)) >= most


def test_an_amount_s_axis_still_halves_a_small_top() -> None:
    svg = bar_chart_svg("Revenue", ["01 Nov"], [Series("Converted", [1.0], "#000")], stacked=False, unit="MYR")
    assert [text for _, text in AXIS_LABEL.findall(svg)] == ["MYR 0", "MYR 0.5", "MYR 1"]


@pytest.mark.parametrize("values", [[0.0, 1.0, 0.0], [0.0, 0.0, 0.0], [3.0, 1.0, 2.0]])
def test_the_e_mails_chart_counts_on_whole_ticks(values: list[float]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    figure, axes = plt.subplots()
    draw_inquiries(axes, ["Mon", "Tue", "Wed"], [Series("WhatsApp", values, "#000")], "Inquiries")
    figure.canvas.draw()
    low, high = axes.get_ylim()
    shown = [tick for tick in axes.get_yticks() if low <= tick <= high]
    plt.close(figure)
    assert len(shown) >= 2 and all(tick == int(tick) for tick in shown), shown


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
