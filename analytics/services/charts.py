"""Charts: server-rendered SVG for the dashboard (no JavaScript library, no CDN), PNG for the e-mail.

Each chart answers one question and is readable in ten seconds: few colours, labelled axes, the
latest value printed.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from matplotlib.axes import Axes

CHANNEL_COLOURS = {"WhatsApp": "#25a35a", "Web chat": "#3d6fd8", "E-mail": "#e0a100"}
ACCENT = "#5b4bd6"
MUTED = "#8a93a6"
NO_DATA = "Nothing in these dates"
# Room for one character of the charts' text, in the picture's units: on a phone the 640-unit picture is drawn
# about 350 px wide, and base.css sets its text larger there (else 10 px labels are read at 5 px).
CHAR_WIDTH = 10


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float]
    colour: str


# The tops an axis may have, per power of ten. Counts (inquiries, leads) are whole: their axis's half-way line is a
# whole number too, so its tops are even (a top of 1 or 5 put "0.5 leads" and "2.5 inquiries" on the axis).
AMOUNT_STEPS = (1, 2, 2.5, 5, 10)
COUNT_STEPS = (2, 4, 6, 8, 10)


def _nice_max(value: float, *, counts: bool = False) -> float:
    steps = COUNT_STEPS if counts else AMOUNT_STEPS
    if value <= 0:
        return float(steps[0])
    magnitude = 10 ** (len(str(int(value))) - 1)
    for step in steps:
        if value <= step * magnitude:
            return step * magnitude
    return 10.0 * magnitude


def _opening(title: str, width: int, height: int, *, title_x: float) -> list[str]:
    """A chart's first parts: the SVG element, named by the title for screen readers, and the title shown on top."""
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(title)}" class="chart">',
        f'<text x="{title_x}" y="16" font-size="13" font-weight="600" class="title">{escape(title)}</text>',
    ]


def bar_chart_svg(
    title: str, labels: Sequence[str], series: Sequence[Series], *, stacked: bool = True, unit: str = ""
) -> str:
    """Bars per day; several series stack (inquiries by channel) or stand alone (revenue).

    A chart without a `unit` counts things (inquiries, leads): its axis shows whole numbers only."""
    width, height, bottom, top = 640, 240, 28, 28
    totals = (
        [sum(s.values[i] for s in series) for i in range(len(labels))]
        if stacked
        else [max((s.values[i] for s in series), default=0) for i in range(len(labels))]
    )
    # A share is out of a hundred: a 5% day drawn to the top read as "all of them", and an empty period's
    # axis read "0%, 0%, 1%".
    ceiling = 100.0 if unit == "%" else _nice_max(max(totals, default=0), counts=not unit)
    ticks = [(fraction, _format(ceiling * fraction, unit)) for fraction in (0, 0.5, 1)]
    # The left margin fits the widest axis label at a phone's larger text (CHAR_WIDTH): "MYR 12.5k" is never cut.
    left = max(36, 10 + CHAR_WIDTH * max(len(text) for _, text in ticks))
    plot_w, plot_h = width - left - 12, height - top - bottom
    slot = plot_w / max(len(labels), 1)
    bar_w = max(1.0, slot * 0.7)
    parts = _opening(title, width, height, title_x=left)
    for fraction, text in ticks:
        y = top + plot_h * (1 - fraction)
        parts.append(f'<line x1="{left}" x2="{width - 12}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e3e6ee"/>')
        parts.append(
            f'<text x="{left - 6}" y="{y + 4:.1f}" font-size="10" text-anchor="end" fill="{MUTED}">'
            f"{escape(text)}</text>"
        )
    # Series that do not stack stand side by side in the day's slot: drawn over one another, a smaller value
    # (converted revenue beside the forecast) hid behind the larger one and the day read as zero.
    series_w = bar_w if stacked else bar_w / max(len(series), 1)
    for index, label in enumerate(labels):
        x = left + index * slot + (slot - bar_w) / 2
        base = top + plot_h
        for position, item in enumerate(series):
            value = item.values[index]
            h = plot_h * value / ceiling
            y = base - h if stacked else top + plot_h - h
            x_item = x if stacked else x + position * series_w
            parts.append(
                f'<rect x="{x_item:.1f}" y="{y:.1f}" width="{series_w:.1f}" height="{h:.1f}" fill="{item.colour}">'
                f"<title>{escape(label)} · {escape(item.name)}: {escape(_format(value, unit))}</title></rect>"
            )
            if stacked:
                base -= h
        # At most ~10 day labels (a "30 Nov" is ~36 px): every n-th day, so they never overlap.
        every = max(1, -(-len(labels) // 10))
        if index % every == 0:
            # Every other one of these is left out on a phone (base.css), where the text is larger.
            second = ' class="second"' if (index // every) % 2 and len(labels) > 7 else ""
            parts.append(
                f'<text x="{x + bar_w / 2:.1f}" y="{height - 10}" font-size="10" text-anchor="middle" '
                f'fill="{MUTED}"{second}>{escape(label)}</text>'
            )
    if not any(totals):  # said in words: an empty grid looks like a page that failed to load its figures
        parts.append(
            f'<text x="{left + plot_w / 2:.1f}" y="{top + plot_h / 2:.1f}" font-size="13" text-anchor="middle" '
            f'fill="{MUTED}" class="no-data">{NO_DATA}</text>'
        )
    legend_x = width - 12
    for item in reversed(series):
        legend_x -= 8 + CHAR_WIDTH * len(item.name) + 14
        parts.append(f'<rect x="{legend_x}" y="7" width="10" height="10" fill="{item.colour}"/>')
        parts.append(f'<text x="{legend_x + 14}" y="16" font-size="11">{escape(item.name)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def funnel_svg(title: str, stages: Sequence[tuple[str, int]]) -> str:
    """Horizontal bars, widest first: how many leads got how far."""
    width, row, left = 640, 34, 110
    height = 30 + row * len(stages)
    widest = max((n for _, n in stages), default=0) or 1
    parts = _opening(title, width, height, title_x=0)
    for index, (name, count) in enumerate(stages):
        y = 26 + index * row
        w = (width - left - 60) * count / widest
        parts.append(f'<text x="0" y="{y + 17}" font-size="12">{escape(name)}</text>')
        parts.append(f'<rect x="{left}" y="{y}" width="{w:.1f}" height="{row - 10}" fill="{ACCENT}" rx="3"/>')
        parts.append(f'<text x="{left + w + 6:.1f}" y="{y + 17}" font-size="12" font-weight="600">{count}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _format(value: float, unit: str) -> str:
    if unit == "%":
        return f"{value:.0f}%"
    number = _compact(value)
    return f"{unit} {number}" if unit else number


def _compact(value: float) -> str:
    """12 500 → "12.5k", 2 000 000 → "2M": axis labels stay short."""
    for size, suffix in ((1_000_000, "M"), (1_000, "k")):
        if abs(value) >= size:
            return f"{value / size:.1f}".rstrip("0").rstrip(".") + suffix
    if value != int(value):
        return f"{value:.1f}"  # the half-way line of an amount's chart whose top is 1
    return f"{value:,.0f}"


def inquiries_png(labels: Sequence[str], series: Sequence[Series], title: str) -> bytes:
    """The e-mail's chart as a PNG (e-mail clients do not render inline SVG reliably)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    figure, axes = plt.subplots(figsize=(6.4, 2.6), dpi=100)
    draw_inquiries(axes, labels, series, title)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    plt.close(figure)
    return buffer.getvalue()


def draw_inquiries(axes: Axes, labels: Sequence[str], series: Sequence[Series], title: str) -> None:
    """The e-mail chart's drawing: inquiries stacked per day, counted on whole-number ticks (never "0.5")."""
    from matplotlib.ticker import MaxNLocator  # matplotlib loads only where a PNG is drawn

    bottoms = [0.0] * len(labels)
    for item in series:
        axes.bar(labels, item.values, bottom=bottoms, color=item.colour, label=item.name, width=0.7)
        bottoms = [b + v for b, v in zip(bottoms, item.values, strict=True)]
    # Whole ticks need a whole range: an empty week's axis (-0.05 to 0.05) was ticked in hundredths.
    axes.set_ylim(0, max(1.0, max(bottoms, default=0.0) * 1.05))
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_title(title, fontsize=11, loc="left")
    axes.spines[["top", "right"]].set_visible(False)
    axes.tick_params(labelsize=8)
    axes.legend(fontsize=8, frameon=False, ncols=len(series), loc="lower right", bbox_to_anchor=(1.0, 1.0))
