"""HTML reports are one self-contained file: embedded plots, escaped text, no outside host."""

import re

import matplotlib.pyplot as plt
import pandas as pd

from sim.html_report import HtmlReport


def test_report_embeds_its_figure_escapes_text_and_refers_to_no_outside_host(tmp_path):
    report = HtmlReport("Baseline <vs> reform")
    report.heading("Verdict")
    report.paragraph("Response time fell from 41 h to 17 h & trust rose.")
    report.table(pd.DataFrame({"outcome": ["crises"], "current": [3], "proposed": [1.5]}))
    fig, ax = plt.subplots()
    ax.plot([0, 1], [1, 0])
    report.figure(fig, caption="a line")
    path = report.write(tmp_path / "out" / "report.html")
    page = path.read_text(encoding="utf-8")
    assert "Baseline &lt;vs&gt; reform" in page and "17 h &amp; trust" in page
    assert page.count('src="data:image/png;base64,') == 1
    assert not re.search(r'(src|href)\s*=\s*"(https?:)?//', page)
    assert "<script" not in page
    assert '<td class="num">3</td>' in page and '<td class="num">1.5</td>' in page
    assert [p.name for p in path.parent.iterdir()] == ["report.html"]
