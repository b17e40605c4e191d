"""Charts drawn on the server as SVG geometry: no script, no CDN, nothing inline the
CSP refuses (sizes are SVG attributes, colours are CSS classes in static/css/
admin.css). The template ``admin/dashboard/_chart.html`` draws a :class:`Chart`;
every chart is shown beside a table of its numbers, which is what screen readers
read (the SVG is ``aria-hidden``).
"""

import math
from dataclasses import dataclass, field

# Room for the axis labels around the plot, in SVG units.
LEFT, BOTTOM, TOP, RIGHT = 36, 26, 10, 10


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    css: str
    title: str


@dataclass(frozen=True)
class Label:
    x: float
    y: float
    text: str
    anchor: str = "middle"


@dataclass
class Chart:
    width: int
    height: int
    bars: list[Bar] = field(default_factory=list)
    labels: list[Label] = field(default_factory=list)
    gridlines: list[tuple[float, Label]] = field(default_factory=list)
    plot_left: float = LEFT
    plot_right: float = 0

    @property
    def empty(self) -> bool:
        return not self.bars


def nice_max(value: int) -> int:
    """A round top for the axis at or above ``value`` (1, 2, 5 × 10ⁿ)."""
    if value <= 0:
        return 1
    magnitude = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10 * magnitude  # pragma: no cover - the loop always returns


def _gridlines(chart: Chart, top: int, plot_height: float) -> None:
    for fraction in (0, 0.5, 1):
        value = round(top * fraction)
        y = TOP + plot_height * (1 - fraction)
        chart.gridlines.append((y, Label(LEFT - 4, y + 4, str(value), "end")))


def stacked_columns(
    *,
    columns: list[tuple[str, list[tuple[str, str, int]]]],
    width: int = 640,
    height: int = 220,
    label_every: int | None = None,
) -> Chart:
    """Vertical columns, each a stack of ``(css, title, value)`` parts, labelled
    with the column's name (every ``label_every``-th name when there are many)."""
    chart = Chart(width=width, height=height, plot_right=width - RIGHT)
    if not columns:
        return chart
    plot_width = width - LEFT - RIGHT
    plot_height = height - TOP - BOTTOM
    top = nice_max(max(sum(part[2] for part in parts) for _, parts in columns))
    _gridlines(chart, top, plot_height)
    slot = plot_width / len(columns)
    bar_width = max(slot * 0.7, 1)
    every = label_every or max(1, math.ceil(len(columns) / 10))
    for index, (name, parts) in enumerate(columns):
        x = LEFT + index * slot + (slot - bar_width) / 2
        base = TOP + plot_height
        for css, title, value in parts:
            if not value:
                continue
            bar_height = plot_height * value / top
            base -= bar_height
            chart.bars.append(
                Bar(x, base, bar_width, bar_height, css, f"{name}: {title} {value}")
            )
        if index % every == 0:
            chart.labels.append(Label(x + bar_width / 2, height - 8, name))
    return chart


def horizontal_bars(
    *,
    rows: list[tuple[str, int, int | None]],
    width: int = 640,
    row_height: int = 22,
    label_width: int = 220,
    css: str = "bar-primary",
) -> Chart:
    """One bar per ``(name, value, limit)`` row; with a limit, the bar is drawn
    against it (a run's seats against its capacity), else against the largest."""
    height = TOP + len(rows) * row_height + BOTTOM
    chart = Chart(
        width=width, height=height, plot_left=label_width, plot_right=width - RIGHT
    )
    if not rows:
        return chart
    plot_width = width - label_width - RIGHT - 40
    largest = max(max(value, limit or 0) for _, value, limit in rows) or 1
    for index, (name, value, limit) in enumerate(rows):
        y = TOP + index * row_height
        scale = limit if limit else largest
        if limit:
            chart.bars.append(
                Bar(label_width, y + 3, plot_width, row_height - 6, "bar-track", "")
            )
        length = plot_width * min(value, scale) / scale if scale else 0
        over = limit is not None and value > limit
        chart.bars.append(
            Bar(
                label_width,
                y + 3,
                max(length, 0.5),
                row_height - 6,
                "bar-over" if over else css,
                f"{name}: {value}" + (f" of {limit}" if limit else ""),
            )
        )
        short = name if len(name) <= 32 else name[:31] + "…"
        chart.labels.append(
            Label(label_width - 6, y + row_height / 2 + 4, short, "end")
        )
        figure = f"{value}/{limit}" if limit else str(value)
        chart.labels.append(
            Label(label_width + plot_width + 4, y + row_height / 2 + 4, figure, "start")
        )
    return chart
