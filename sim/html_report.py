"""Self-contained HTML reports: one file with its plots embedded, readable offline.

A report is built top to bottom (headings, paragraphs, tables, figures) and written
atomically. Figures are matplotlib figures embedded as base64 PNG; the page has inline
CSS and no script, font or image from anywhere else, so it opens the same on a machine
with no network.
"""

from __future__ import annotations

import base64
import html
import io
import numbers
from pathlib import Path
from typing import TYPE_CHECKING

from sim.files import atomic_write

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure

_STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; max-width: 60rem;
       margin: 2rem auto; padding: 0 1rem; color: #1f2328; line-height: 1.5; }
h1 { font-size: 1.7rem; border-bottom: 2px solid #d0d7de; padding-bottom: .3rem; }
h2 { font-size: 1.3rem; margin-top: 2rem; border-bottom: 1px solid #d0d7de; }
h3 { font-size: 1.1rem; }
table { border-collapse: collapse; margin: 1rem 0; font-size: .92rem; }
th, td { border: 1px solid #d0d7de; padding: .3rem .6rem; text-align: left;
         vertical-align: top; }
th { background: #f6f8fa; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
caption { caption-side: top; text-align: left; font-weight: 600; padding: .3rem 0; }
figure { margin: 1.2rem 0; }
figure img { max-width: 100%; height: auto; border: 1px solid #eaeef2; }
figcaption { font-size: .9rem; color: #57606a; }
.better { color: #1a7f37; font-weight: 600; }
.worse { color: #cf222e; font-weight: 600; }
.unclear { color: #57606a; }
pre { background: #f6f8fa; padding: .6rem; overflow-x: auto; font-size: .85rem; }
"""


class HtmlReport:
    """An HTML page built in order; ``write`` saves it as one self-contained file.

    Text passed to :meth:`heading`, :meth:`paragraph`, :meth:`table` and :meth:`code` is
    escaped; :meth:`raw` inserts markup as it is (for a ``<span class="better">``, say).
    """

    def __init__(self, title: str):
        self.title = title
        self._parts: list[str] = [f"<h1>{html.escape(title)}</h1>"]

    def heading(self, text: str, level: int = 2) -> None:
        """A section heading (``level`` 2 or 3)."""
        self._parts.append(f"<h{level}>{html.escape(text)}</h{level}>")

    def paragraph(self, text: str) -> None:
        """A paragraph of plain text."""
        self._parts.append(f"<p>{html.escape(text)}</p>")

    def raw(self, markup: str) -> None:
        """Markup inserted as it is; the caller escapes what needs escaping."""
        self._parts.append(markup)

    def bullets(self, items: list[str]) -> None:
        """A bulleted list of plain-text items."""
        lines = "".join(f"<li>{html.escape(item)}</li>" for item in items)
        self._parts.append(f"<ul>{lines}</ul>")

    def code(self, text: str) -> None:
        """A preformatted block (a scenario file, a command)."""
        self._parts.append(f"<pre>{html.escape(text)}</pre>")

    def table(self, frame: pd.DataFrame, caption: str | None = None, index: bool = False) -> None:
        """A table of a DataFrame; numbers are right-aligned, floats shown with 4 digits."""
        head = ([frame.index.name or ""] if index else []) + [str(c) for c in frame.columns]
        rows = []
        for label, row in frame.iterrows():
            cells = [f"<th>{html.escape(str(label))}</th>"] if index else []
            cells += [_cell(value) for value in row]
            rows.append("<tr>" + "".join(cells) + "</tr>")
        title = f"<caption>{html.escape(caption)}</caption>" if caption else ""
        header = "".join(f"<th>{html.escape(h)}</th>" for h in head)
        self._parts.append(
            f"<table>{title}<thead><tr>{header}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
        )

    def figure(self, figure: Figure, caption: str | None = None, alt: str | None = None) -> None:
        """A matplotlib figure, embedded as a PNG; the figure is closed afterwards."""
        import matplotlib.pyplot as plt

        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
        plt.close(figure)
        self._embed(base64.b64encode(buffer.getvalue()).decode("ascii"), caption, alt)

    def _embed(self, data: str, caption: str | None, alt: str | None) -> None:
        text = html.escape(alt or caption or "plot")
        under = f"<figcaption>{html.escape(caption)}</figcaption>" if caption else ""
        self._parts.append(
            f'<figure><img alt="{text}" src="data:image/png;base64,{data}">{under}</figure>'
        )

    def image(self, png: str | Path, caption: str | None = None) -> None:
        """A PNG file already on disk, embedded."""
        data = base64.b64encode(Path(png).read_bytes()).decode("ascii")
        self._embed(data, caption, caption)

    def render(self) -> str:
        """The whole page as a string."""
        body = "\n".join(self._parts)
        return (
            '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{html.escape(self.title)}</title><style>{_STYLE}</style></head>"
            f"<body>\n{body}\n</body></html>\n"
        )

    def write(self, path: str | Path) -> Path:
        """Write the page to ``path`` atomically (temporary file, then rename)."""
        page = self.render()
        return atomic_write(path, lambda tmp: tmp.write_text(page, encoding="utf-8"))


def _cell(value: object) -> str:
    if isinstance(value, bool) or value is None:
        return f"<td>{html.escape(str(value))}</td>"
    if isinstance(value, numbers.Integral):
        return f'<td class="num">{int(value):,}</td>'
    if isinstance(value, numbers.Real):
        value = float(value)
        text = "–" if value != value else f"{value:,.4g}"
        return f'<td class="num">{text}</td>'
    return f"<td>{html.escape(str(value))}</td>"
