"""The view's pictures: no Solara here, so tests and benchmarks use them as they are.

A redraw after each step must stay within 250 ms at 10,000 citizens, and a matplotlib
figure built from scratch takes longer than that here (ticks and text dominate), so the
live pictures are built once and then only their moving parts are redrawn:

- :class:`NetworkPicture` paints the drawn citizens as dots, with numpy, onto a
  background (ties, legend) that matplotlib renders once per layout;
- :class:`Timelines` and :class:`Comparison` keep a matplotlib figure whose titles,
  frames and legends are rendered once into a background and blit only the lines onto
  it (matplotlib's ``draw_artist``). The axes' ticks and labels are layers of their own,
  redrawn only when an axis grows: the time axes (alike in every panel) are drawn once
  and copied, a y axis is drawn in its own panel's cell. A whole figure takes 250 ms
  or more to draw here, one axis 15 to 30 ms.

The full figures of a finished run (:mod:`sim.output`) are drawn on demand for the
report tab by :func:`report_figures`. Matplotlib only: Altair/vega charts need a CDN and
stay blank offline. :func:`step_and_redraw` is the unit of the 250 ms budget (the
benchmarks call it).
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import matplotlib

matplotlib.use("Agg")
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from PIL import Image

from sim.citizens import ENGAGED, NO_ISSUE, SETTLED
from sim.output import attention_figure, response_figure, trust_figure
from sim.view.layout import Layout

if TYPE_CHECKING:
    import pandas as pd

    from sim.model import GovSimModel

#: Resolution of matplotlib figures sent to the browser (dots per inch).
DPI = 80

#: Colours of the issues followed by name (largest peak attention first); the network
#: picture and the attention timeline use the same ones. No grey, red, green or black:
#: those mean calm, "answered, not solved", "solved" and "filed".
ISSUE_COLOURS = (
    "#1f77b4",
    "#ff7f0e",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#bcbd22",
    "#17becf",
    "#f0c419",
)

#: Citizen categories of the network picture, with their colours and legend labels.
CALM, CALMED, OTHER_ISSUE, FILED, SOLVED, UNSOLVED = range(6)
CATEGORY_COLOURS = {
    CALM: "#d4d4d4",
    CALMED: "#a6b7cc",
    OTHER_ISSUE: "#6f6f6f",
    FILED: "#111111",
    SOLVED: "#2ca02c",
    UNSOLVED: "#d62728",
}
CATEGORY_LABELS = {
    CALM: "calm",
    CALMED: "calmed down",
    OTHER_ISSUE: "engaged: colour of its issue (grey: a minor one)",
    FILED: "filed, waiting",
    SOLVED: "answered: solved",
    UNSOLVED: "answered: not solved",
}


def issue_colours(model: GovSimModel) -> dict[int, str]:
    """Issue id -> colour, for the issues with the largest peak attention so far."""
    issues = model.issues
    peaks = issues.peak[: issues.count]
    top = np.argsort(-peaks, kind="stable")[: len(ISSUE_COLOURS)]
    return {int(i): ISSUE_COLOURS[rank] for rank, i in enumerate(top) if peaks[i] > 0}


def last_answers(model: GovSimModel) -> tuple[np.ndarray, np.ndarray]:
    """Per citizen: the issue of the last final answer it got (-1 none) and whether it solved.

    Over the closed cases (false alarms left out), in order of closing time.
    """
    n = model.citizens.n
    issue = np.full(n, NO_ISSUE, dtype=np.int32)
    solved = np.zeros(n, dtype=bool)
    gov = model.government
    if gov is None:
        return issue, solved
    closed = sorted(
        (c for c in gov.cases if c.closed is not None and not c.false_alarm),
        key=lambda c: c.closed,
    )
    for case in closed:
        who = np.fromiter(case.filers, dtype=np.int64, count=len(case.filers))
        issue[who] = case.issue
        solved[who] = case.outcome == "solved"
    return issue, solved


def citizen_categories(model: GovSimModel, nodes: np.ndarray) -> np.ndarray:
    """The category of each citizen of ``nodes`` (``CALM`` ... ``UNSOLVED``).

    Engaged citizens are ``OTHER_ISSUE`` here (their issue picks the colour); one who
    filed and still waits is ``FILED``; one answered about the issue it holds now is
    ``SOLVED`` or ``UNSOLVED`` (not solved, or a templated reply), which wins over the rest.
    """
    c = model.citizens
    state, issue, demand = c.state[nodes], c.issue[nodes], c.demand[nodes]
    category = np.full(nodes.size, CALM, dtype=np.int64)
    category[state == SETTLED] = CALMED
    category[state == ENGAGED] = OTHER_ISSUE
    category[(demand != NO_ISSUE) & (c.filed_for[nodes] == demand)] = FILED
    answered_issue, solved = last_answers(model)
    answered = (answered_issue[nodes] != NO_ISSUE) & (answered_issue[nodes] == issue)
    category[answered & solved[nodes]] = SOLVED
    category[answered & ~solved[nodes]] = UNSOLVED
    return category


def _rgb(colour: str) -> np.ndarray:
    return (np.array(to_rgb(colour)) * 255).round().astype(np.uint8)


#: The trust colour map, as 256 RGB rows (red: no trust, blue: full trust).
_TRUST_MAP = (matplotlib.colormaps["RdYlBu"](np.linspace(0, 1, 256))[:, :3] * 255).astype(np.uint8)


def png(rgba: np.ndarray) -> bytes:
    """PNG bytes of an RGBA or RGB image array (fast compression: redraws are frequent)."""
    buffer = io.BytesIO()
    Image.fromarray(rgba).save(buffer, format="png", compress_level=1)
    return buffer.getvalue()


class NetworkPicture:
    """The drawn citizens as dots on their ties, coloured by state or by trust.

    The ties, legend and colour bar are rendered by matplotlib once; each :meth:`render`
    paints the dots with numpy and encodes a PNG.

    Args:
        layout: the drawn citizens and their positions.
        colour_by: ``"state"`` (see :func:`citizen_categories`) or ``"trust"``.
        size: width and height in pixels.
    """

    def __init__(
        self, layout: Layout, colour_by: str = "state", size: tuple[int, int] = (760, 430)
    ):
        if colour_by not in ("state", "trust"):
            raise ValueError(f"colour_by must be 'state' or 'trust', got {colour_by!r}")
        self.layout = layout
        self.colour_by = colour_by
        width, height = size
        left, bottom = 6, 62 if colour_by == "state" else 8
        right = 84 if colour_by == "trust" else 6
        top = 24
        area_w, area_h = width - left - right, height - bottom - top
        fig = Figure(figsize=(width / 100, height / 100), dpi=100)
        canvas = FigureCanvasAgg(fig)
        ax = fig.add_axes((left / width, bottom / height, area_w / width, area_h / height))
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1)
        ax.set_axis_off()
        ax.add_collection(LineCollection(layout.segments, colors="#c4c4c4", linewidths=0.35))
        drawn = layout.nodes.size
        fig.text(
            0.5, 1 - 4 / height, f"all {drawn:,} citizens" if drawn == layout.n else
            f"{drawn:,} of {layout.n:,} citizens: the neighbourhoods of a few, at random",
            ha="center", va="top", fontsize=9, color="0.25",
        )  # fmt: skip
        if colour_by == "trust":
            bar_ax = fig.add_axes(
                ((width - right + 18) / width, 0.15, 14 / width, 0.7)
            )  # fmt: skip
            bar = fig.colorbar(
                matplotlib.cm.ScalarMappable(cmap="RdYlBu", norm=matplotlib.colors.Normalize(0, 1)),
                cax=bar_ax,
            )
            bar.set_label("trust in government", fontsize=9)
            bar.ax.tick_params(labelsize=8)
        else:
            handles = [Patch(color=CATEGORY_COLOURS[k], label=CATEGORY_LABELS[k]) for k in range(6)]
            fig.legend(
                handles=handles, loc="lower center", ncol=3, fontsize=8, frameon=False,
                handlelength=1.0, columnspacing=1.2,
            )  # fmt: skip
        canvas.draw()
        self.background = np.asarray(canvas.buffer_rgba())[:, :, :3].copy()
        # pixel centres of the dots, and the offsets of a dot of radius 2.3 px
        self.px = np.rint(left + layout.xy[:, 0] * (area_w - 1)).astype(np.int64)
        self.py = np.rint(height - bottom - 1 - layout.xy[:, 1] * (area_h - 1)).astype(np.int64)
        radius = 2.3 if drawn > 800 else 3.5
        r = int(np.ceil(radius))
        dy, dx = np.mgrid[-r : r + 1, -r : r + 1]
        inside = dx**2 + dy**2 <= radius**2
        self.offsets = list(zip(dy[inside], dx[inside], strict=True))
        self.height, self.width = height, width
        self._category_rgb = np.array([_rgb(CATEGORY_COLOURS[k]) for k in range(6)])

    def colours(self, model: GovSimModel) -> np.ndarray:
        """RGB (uint8) of each drawn citizen now, shape ``(m, 3)``."""
        nodes = self.layout.nodes
        if self.colour_by == "trust":
            return _TRUST_MAP[np.clip((model.citizens.trust[nodes] * 255).astype(int), 0, 255)]
        category = citizen_categories(model, nodes)
        rgb = self._category_rgb[category]
        engaged = np.flatnonzero(category == OTHER_ISSUE)
        if engaged.size:
            issue = model.citizens.issue[nodes[engaged]]
            for i, colour in issue_colours(model).items():
                rgb[engaged[issue == i]] = _rgb(colour)
        return rgb

    def image(self, model: GovSimModel) -> np.ndarray:
        """The picture as an RGB array, ``(height, width, 3)``."""
        img = self.background.copy()
        rgb = self.colours(model)
        for dy, dx in self.offsets:
            y = np.clip(self.py + dy, 0, self.height - 1)
            x = np.clip(self.px + dx, 0, self.width - 1)
            img[y, x] = rgb
        return img

    def render(self, model: GovSimModel) -> bytes:
        """The picture as PNG bytes."""
        return png(self.image(model))


@dataclass
class ResponseTimes:
    """Mean hours from filing to first response and to the final answer, hour by hour.

    The view records them after each step (the model keeps only the cases, not this
    history); cases as :func:`sim.metrics.government_summary` counts them.
    """

    hours: list[int] = field(default_factory=list)
    first: list[float] = field(default_factory=list)
    final: list[float] = field(default_factory=list)

    def record(self, model: GovSimModel) -> None:
        """Append the means at the model's current hour (NaN while no case has one)."""
        if self.hours and self.hours[-1] == model.hour:
            return
        gov = model.government
        first = final = np.nan
        if gov is not None:
            real = gov.real_cases()
            f = [c.first_response - c.opened for c in real if c.first_response is not None]
            a = [c.closed - c.opened for c in real if c.closed is not None]
            first = float(np.mean(f)) if f else np.nan
            final = float(np.mean(a)) if a else np.nan
        self.hours.append(model.hour)
        self.first.append(first)
        self.final.append(final)


#: Right ends of the time axes (hours), in turn, as a run goes on; doubled after the last.
HOURS_AXIS = (48, 168, 720)


def hours_axis(hour: int) -> int:
    """Right end of the time axes: two days, a week, a month, then doubled as needed.

    Few ends, so that the ticks stay put most of the time; each change redraws one time
    axis (see :class:`LiveFigure`).
    """
    for end in HOURS_AXIS:
        if hour <= end:
            return end
    end = HOURS_AXIS[-1]
    while end < hour:
        end *= 2
    return end


def grown(limit: float, value: float) -> float:
    """An upper y limit that holds ``value`` with room: doubled as often as needed."""
    if not np.isfinite(value):
        return limit
    while value > 0.95 * limit:
        limit *= 2
    return limit


#: One series of a panel: label, colour, line style, and (model, extra) -> (x, y).
Series = tuple[str, str, str, Callable[..., tuple[np.ndarray, np.ndarray]]]


@dataclass
class Panel:
    """One axes of a live figure: what it shows and how its y axis behaves.

    Attributes:
        title: above the axes.
        ylabel: the unit.
        series: fixed lines, each with its legend entry.
        y_max: starting upper limit; it doubles when a value passes 95% of it, unless
            ``fixed`` (trust stays in [0, 1]).
        y_min: lower limit (negative for a difference).
        symmetric: the y axis is [-y_max, y_max] (differences).
    """

    title: str
    ylabel: str
    series: list[Series]
    y_max: float = 1.0
    fixed: bool = False
    symmetric: bool = False


class LiveFigure:
    """A matplotlib figure whose background is rendered in layers and whose lines are blitted.

    The background is three layers of the figure's size, black and colours on white,
    merged by taking the darkest of each pixel (they overlap only where a tick or a
    threshold line meets a frame, which is darker and on top in matplotlib's drawing too):

    - ``static``: titles, frames, legends, drawn once by matplotlib;
    - ``time_axes``: the time axes. Every panel shares ``x_end`` and, its axes set on whole
      pixels and all of one size, looks alike to the pixel, so one is drawn and copied
      into every panel's band below its frame;
    - ``value_axes``: each panel's y axis with what moves with it (threshold and zero lines),
      drawn in the panel's own cell when its y axis grows.

    Subclasses give the panels (:meth:`panels`) and any extra moving artists
    (:meth:`extra`); :meth:`render` returns PNG bytes.
    """

    figsize: tuple[float, float] = (9.6, 5.4)
    columns = 3

    def __init__(self) -> None:
        self.spec = self.panels()
        rows = int(np.ceil(len(self.spec) / self.columns))
        self.fig = Figure(figsize=self.figsize, dpi=DPI)
        self.canvas = FigureCanvasAgg(self.fig)
        grid = self.fig.subplots(rows, self.columns, squeeze=False)
        self.axes = list(grid.flat[: len(self.spec)])
        for ax in grid.flat[len(self.spec) :]:
            ax.set_visible(False)
        self.lines: list[list[Line2D]] = []
        for ax, panel in zip(self.axes, self.spec, strict=True):
            ax.set_title(panel.title, fontsize=9)
            ax.set_ylabel(panel.ylabel, fontsize=8)
            ax.tick_params(labelsize=8)
            lines = []
            for label, colour, style, _ in panel.series:
                (line,) = ax.plot([], [], color=colour, ls=style, lw=1.5, label=label)
                line.set_animated(True)
                lines.append(line)
            if len(panel.series) > 1:
                ax.legend(loc="upper left", fontsize=7, framealpha=0.6)
            if panel.symmetric:
                ax.axhline(0, color="0.5", lw=0.8)
            self.lines.append(lines)
        self.fig.subplots_adjust(
            left=0.07, right=0.985, bottom=0.09, top=0.9, wspace=0.3, hspace=0.45
        )
        self._place(rows)
        self.x_end = 0
        self.y_max = [p.y_max for p in self.spec]
        self.background: np.ndarray | None = None
        self.full_draws = 0  # times the static layer was drawn (once)
        self.partial_draws = 0  # times an axis grew and its layer was redrawn

    def _place(self, rows: int) -> None:
        """Set every axes on whole pixels, all of one size, and find where each one's axes
        are drawn: ``bands`` (the time axis, below the frame) and ``cells`` (the y axis and
        the frame's inside), as (rows, columns) slices of the image, none overlapping
        another of its kind."""
        width, height = int(self.fig.bbox.width), int(self.fig.bbox.height)
        first = self.axes[0].get_position()
        w, h = round(first.width * width), round(first.height * height)
        corners = []  # (left column, bottom row + 1) of each frame, in image pixels
        for ax in self.axes:
            position = ax.get_position()
            x0, y0 = round(position.x0 * width), round(position.y0 * height)
            ax.set_position((x0 / width, y0 / height, w / width, h / height))
            corners.append((x0, height - y0))
        left, bottom = corners[0][0], height - corners[-1][1]
        right = width - max(x for x, _ in corners) - w
        gap_x = corners[1][0] - corners[0][0] - w if self.columns > 1 else 2 * right
        gap_y = corners[self.columns][1] - corners[0][1] - h if rows > 1 else 2 * bottom
        # a band reaches half way to its neighbours, or the figure's edge if nearer
        band_left, band_right = min(left, gap_x // 2), min(right, gap_x // 2)
        band_down = min(bottom, gap_y // 2)
        self.bands, self.cells = [], []
        for i, (x0, y0) in enumerate(corners):
            row, column = divmod(i, self.columns)
            self.bands.append(
                (slice(y0 - 2, y0 + band_down), slice(x0 - band_left, x0 + w + band_right))
            )
            cell_left = corners[i - 1][0] + w + 1 if column else 0
            cell_top = y0 - h - gap_y // 2 if row else 0
            cell_bottom = y0 + gap_y // 2 if row < rows - 1 else height
            self.cells.append((slice(cell_top, cell_bottom), slice(cell_left, x0 + w + 1)))

    def panels(self) -> list[Panel]:
        raise NotImplementedError

    def extra(self, data: object) -> list:
        """Moving artists besides the panels' lines, updated for ``data``."""
        return []

    def _limits(self, hour: int, values: list[float]) -> tuple[bool, set[int]]:
        """Grow the axes to hold ``hour`` and ``values``.

        Returns:
            Whether the time axis grew, and the panels whose y axis grew (often none).
        """
        x_end = hours_axis(hour)
        x_grew = x_end != self.x_end
        if x_grew:
            self.x_end = x_end
            for ax in self.axes:
                ax.set_xlim(0, x_end)
        grew = set()
        for i, (panel, value) in enumerate(zip(self.spec, values, strict=True)):
            limit = self.y_max[i] if panel.fixed else grown(self.y_max[i], value)
            if limit != self.y_max[i] or self.background is None:
                self.y_max[i] = limit
                self._set_y(i)
                grew.add(i)
        return x_grew, grew

    def _set_y(self, i: int) -> None:
        top = self.y_max[i]
        self.axes[i].set_ylim(-top if self.spec[i].symmetric else 0, top)

    def _value_artists(self, i: int) -> list:
        """What moves with panel ``i``'s y axis: the axis and the lines and text at values."""
        ax = self.axes[i]
        fixed = [a for a in (*ax.lines, *ax.texts) if not a.get_animated()]
        return [ax.yaxis, *fixed]

    def _draw_static(self) -> None:
        """Render the static layer: the axes and what moves with them are set animated,
        so matplotlib leaves them out as it leaves out the lines."""
        self.value_artists = [self._value_artists(i) for i in range(len(self.axes))]
        for ax, moving in zip(self.axes, self.value_artists, strict=True):
            for artist in (ax.xaxis, *moving):
                artist.set_animated(True)
        self.canvas.draw()
        self.static = np.asarray(self.canvas.buffer_rgba()).copy()
        self.time_axes = np.full_like(self.static, 255)
        self.value_axes = np.full_like(self.static, 255)
        self.full_draws += 1

    def _draw_time_axes(self) -> None:
        """Draw the first panel's time axis on white and copy it into every panel's band."""
        pixels = np.asarray(self.canvas.buffer_rgba())
        rows, columns = self.bands[0]
        pixels[rows, columns] = 255
        self.axes[0].xaxis.draw(self.canvas.get_renderer())
        band = pixels[rows, columns].copy()
        for rows, columns in self.bands:
            self.time_axes[rows, columns] = band

    def _draw_value_axis(self, i: int) -> None:
        """Draw panel ``i``'s y axis, threshold and zero lines on white in its cell."""
        pixels = np.asarray(self.canvas.buffer_rgba())
        rows, columns = self.cells[i]
        pixels[rows, columns] = 255
        renderer = self.canvas.get_renderer()
        for artist in self.value_artists[i]:
            artist.draw(renderer)
        self.value_axes[rows, columns] = pixels[rows, columns]

    def render(self, hour: int, data: object) -> bytes:
        """Update every line for ``data`` (at ``hour``) and return the figure as PNG."""
        peaks = []
        for panel, lines in zip(self.spec, self.lines, strict=True):
            peak = 0.0
            for (_, _, _, get), line in zip(panel.series, lines, strict=True):
                x, y = get(data)
                line.set_data(x, y)
                finite = np.abs(y[np.isfinite(y)]) if len(y) else np.zeros(0)
                peak = max(peak, float(finite.max()) if finite.size else 0.0)
            peaks.append(peak)
        moving = self.extra(data)
        peaks = [max(p, self.extra_peak(i)) for i, p in enumerate(peaks)]
        x_grew, y_grew = self._limits(hour, peaks)
        if self.background is None:
            self._draw_static()
        if x_grew:
            self._draw_time_axes()
        for i in sorted(y_grew):
            self._draw_value_axis(i)
        if x_grew or y_grew:
            self.background = np.minimum(np.minimum(self.static, self.time_axes), self.value_axes)
            self.partial_draws += 1
        np.asarray(self.canvas.buffer_rgba())[:] = self.background
        for ax, lines in zip(self.axes, self.lines, strict=True):
            for line in lines:
                ax.draw_artist(line)
        for artist in moving:
            artist.axes.draw_artist(artist)
        return png(np.asarray(self.canvas.buffer_rgba()))

    def extra_peak(self, panel: int) -> float:
        """Largest value the extra artists show in ``panel`` (for its y limit)."""
        return 0.0


def _column(name: str) -> Callable[..., tuple[np.ndarray, np.ndarray]]:
    def get(data: tuple) -> tuple[np.ndarray, np.ndarray]:
        series = data[1]
        return series["hour"].to_numpy(), series[name].to_numpy(float)

    return get


class Timelines(LiveFigure):
    """Live timelines of one model: attention per issue with the crisis threshold, trust
    online and offline, demands, crises, and (with a government) backlog per level and
    response times.

    Args:
        model: the model shown (its government's levels name the backlog lines).
    """

    def __init__(self, model: GovSimModel):
        self.model = model
        self.n = model.citizens.n
        self.threshold = model.issues.crisis / self.n
        self.levels = [lv.name for lv in model.government.params.levels] if model.government else []
        self.issue_lines: dict[int, Line2D] = {}
        super().__init__()
        attention = self.axes[0]
        attention.axhline(self.threshold, color="crimson", ls="--", lw=1)
        attention.text(
            0.01, self.threshold, "crisis threshold", color="crimson", fontsize=7, va="bottom",
            transform=attention.get_yaxis_transform(),
        )  # fmt: skip
        self.y_max[0] = 2 * self.threshold

    def panels(self) -> list[Panel]:
        panels = [
            Panel("Attention per issue", "share of citizens engaged", []),
            Panel(
                "Trust in government",
                "mean trust",
                [
                    ("netizens", "tab:blue", "-", _column("mean_trust_online")),
                    ("offline", "tab:orange", "-", _column("mean_trust_offline")),
                    ("all", "k", "--", _column("mean_trust")),
                ],
                fixed=True,
            ),
            Panel(
                "Demands",
                "share of citizens",
                [
                    ("unanswered demands", "tab:red", "-", _column("open_demands_share")),
                    ("engaged now", "tab:purple", "-", _column("engaged_share")),
                ],
                y_max=0.02,
            ),
            Panel(
                "Crises",
                "issues",
                [
                    ("in crisis now", "crimson", "-", _column("issues_in_crisis")),
                    ("crises so far", "k", "-", _column("crises")),
                ],
                y_max=2,
            ),
        ]
        if self.levels:
            panels += [
                Panel(
                    "Backlog per level",
                    "cases waiting or in service",
                    [
                        (name, f"C{i}", "-", _column(f"backlog_level_{i}"))
                        for i, name in enumerate(self.levels)
                    ],
                    y_max=4,
                ),
                Panel(
                    "Response times (mean so far)",
                    "hours from filing",
                    [
                        ("first response", "tab:blue", "-", _times("first")),
                        ("final answer", "tab:green", "-", _times("final")),
                    ],
                    y_max=4,
                ),
            ]
        return panels

    def extra(self, data: tuple) -> list:
        """One line per issue (coloured as in the network picture, minor issues grey)."""
        model = data[0]
        history = model.issues.attention_history()
        colours = issue_colours(model)
        ax = self.axes[0]
        self._attention_peak = 0.0
        if history["issue"].size == 0:
            return []
        order = np.argsort(history["issue"], kind="stable")
        issues, starts = np.unique(history["issue"][order], return_index=True)
        ends = np.append(starts[1:], order.size)
        self._attention_peak = 0.0
        artists = []
        for issue, a, b in zip(issues, starts, ends, strict=True):
            rows = order[a:b]
            line = self.issue_lines.get(int(issue))
            if line is None:
                (line,) = ax.plot([], [], lw=1.0)
                line.set_animated(True)
                self.issue_lines[int(issue)] = line
            y = history["attention"][rows] / self.n
            line.set_data(history["hour"][rows], y)
            colour = colours.get(int(issue))
            line.set_color(colour or "0.7")
            line.set_linewidth(1.6 if colour else 0.8)
            line.set_zorder(3 if colour else 2)
            self._attention_peak = max(self._attention_peak, float(y.max()))
            artists.append(line)
        return sorted(artists, key=lambda a: a.get_zorder())

    def extra_peak(self, panel: int) -> float:
        return self._attention_peak if panel == 0 else 0.0

    def update(self, model: GovSimModel, times: ResponseTimes) -> bytes:
        """PNG of the timelines of ``model`` now."""
        return self.render(model.hour, (model, series_of(model), times))


def _times(which: str) -> Callable[..., tuple[np.ndarray, np.ndarray]]:
    def get(data: tuple) -> tuple[np.ndarray, np.ndarray]:
        times = data[2]
        return np.asarray(times.hours), np.asarray(getattr(times, which), dtype=float)

    return get


def series_of(model: GovSimModel) -> pd.DataFrame:
    """The model's reporters so far, one row per hour."""
    return model.datacollector.get_model_vars_dataframe().reset_index(drop=True)


#: What the comparison shows: reporter, title, and whether it needs a government.
COMPARED = (
    ("mean_trust", "mean trust", False),
    ("open_demands_share", "share with unanswered demands", False),
    ("backlog", "open cases (backlog)", True),
    ("crises", "crises so far", False),
)


def difference(series_a: pd.DataFrame, series_b: pd.DataFrame, column: str) -> np.ndarray:
    """B minus A of one reporter, hour by hour, over the hours both have run."""
    hours = min(len(series_a), len(series_b))
    return series_b[column].to_numpy(float)[:hours] - series_a[column].to_numpy(float)[:hours]


class Comparison(LiveFigure):
    """Two designs on the same world: each reporter over time (top row) and B minus A
    (bottom row).

    Args:
        with_government: both designs have a government (backlog is shown).
        labels: names of the two designs.
    """

    figsize = (9.6, 4.6)

    def __init__(self, with_government: bool, labels: tuple[str, str] = ("A", "B")):
        self.shown = [(c, t) for c, t, gov in COMPARED if with_government or not gov]
        self.labels = labels
        self.columns = len(self.shown)
        super().__init__()

    def panels(self) -> list[Panel]:
        a, b = self.labels
        top = [
            Panel(
                title,
                "",
                [
                    (a, "tab:blue", "-", _side(0, column)),
                    (b, "tab:orange", "--", _side(1, column)),
                ],
                y_max=1.0 if column == "mean_trust" else 0.02 if "share" in column else 2,
                fixed=column == "mean_trust",
            )
            for column, title in self.shown
        ]
        bottom = [
            Panel(
                f"{b} minus {a}",
                "",
                [("difference", "k", "-", _gap(column))],
                y_max=0.01 if "share" in column or column == "mean_trust" else 1,
                symmetric=True,
            )
            for column, _ in self.shown
        ]
        return top + bottom

    def update(self, model_a: GovSimModel, model_b: GovSimModel) -> bytes:
        """PNG of the comparison now."""
        return self.render(
            max(model_a.hour, model_b.hour), (series_of(model_a), series_of(model_b))
        )


def _side(which: int, column: str) -> Callable[..., tuple[np.ndarray, np.ndarray]]:
    def get(data: tuple) -> tuple[np.ndarray, np.ndarray]:
        series = data[which]
        return series["hour"].to_numpy(), series[column].to_numpy(float)

    return get


def _gap(column: str) -> Callable[..., tuple[np.ndarray, np.ndarray]]:
    def get(data: tuple) -> tuple[np.ndarray, np.ndarray]:
        gap = difference(data[0], data[1], column)
        return data[0]["hour"].to_numpy()[: gap.size], gap

    return get


def report_figures(model: GovSimModel) -> dict[str, Figure]:
    """The figures a finished run writes (:mod:`sim.output`), for the run so far."""
    series = series_of(model)
    figures = {
        "attention": attention_figure(model, figsize=(10, 5.5), colours=issue_colours(model)),
        "trust": trust_figure(series, figsize=(10, 5)),
    }
    if model.government is not None:
        figures["response"] = response_figure(model, series, figsize=(13, 6))
    return figures


def figure_png(fig: Figure, dpi: int = DPI) -> bytes:
    """A matplotlib figure as PNG bytes."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()


@dataclass
class LiveView:
    """What the view redraws after each step of one model.

    Build it with :meth:`of`; :meth:`redraw` returns the PNGs of the network picture and
    the timelines.
    """

    model: GovSimModel
    picture: NetworkPicture
    timelines: Timelines
    times: ResponseTimes

    @classmethod
    def of(cls, model: GovSimModel, layout: Layout, colour_by: str = "state") -> LiveView:
        times = ResponseTimes()
        times.record(model)
        return cls(model, NetworkPicture(layout, colour_by), Timelines(model), times)

    def redraw(self) -> dict[str, bytes]:
        """PNG bytes of ``network`` and ``timelines`` for the model now."""
        self.times.record(self.model)
        return {
            "network": self.picture.render(self.model),
            "timelines": self.timelines.update(self.model, self.times),
        }


def step_and_redraw(view: LiveView) -> float:
    """One step of the view's model and its redraw (network picture and timelines as PNG).

    Returns:
        The wall time it took, in seconds (the view's budget: 0.25 s at 10,000 citizens).
    """
    started = time.perf_counter()
    view.model.step()
    view.redraw()
    return time.perf_counter() - started
