"""Results as tables: aligned text for a terminal and HTML for a notebook
(`_repr_html_`), from the same rows, with no package beyond the standard library.

Every cell that came from the user (variable and state names, layer kinds) is
escaped in HTML; a table longer than `limit` rows shows its first rows and says how
many it left out, so a repr of a 1024-neuron result stays short.
"""
from __future__ import annotations

import html

import numpy as np

ROWS_TEXT = 20      # rows a __repr__ shows
ROWS_HTML = 64      # rows a notebook table shows


def cell_text(value) -> str:
    if value is None:
        return "-"
    if isinstance(value, (float, np.floating)):
        # probabilities and losses to 4 decimals; costs and counts to 5 significant digits
        return f"{value:.4f}" if abs(value) < 10 else f"{value:.5g}"
    return str(value)


def _numeric(value) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)


def text_table(header: list[str] | None, rows: list[list], limit: int | None = ROWS_TEXT,
               indent: str = "") -> str:
    """Columns aligned (numbers right, text left) under `header` (None: no header
    line); at most `limit` rows (None: all)."""
    shown, left_out = _cut(rows, limit)
    cells = ([list(header)] if header is not None else []) + [[cell_text(v) for v in row] for row in shown]
    columns = len(header) if header is not None else len(cells[0]) if cells else 0
    widths = [max(len(r[i]) for r in cells) for i in range(columns)]
    numeric = [any(_numeric(row[i]) for row in shown) for i in range(columns)]
    lines = [indent + "  ".join(c.rjust(w) if num else c.ljust(w)
                                for c, w, num in zip(r, widths, numeric)).rstrip() for r in cells]
    if left_out:
        lines.append(f"{indent}... {left_out} more rows")
    return "\n".join(lines)


def html_table(header: list[str], rows: list[list], caption: str = "", limit: int | None = ROWS_HTML,
               bars: dict[int, float] | None = None) -> str:
    """An HTML table; `bars` maps a column index to the value drawn as a full-width bar
    (a probability column gets a bar of its value's length)."""
    shown, left_out = _cut(rows, limit)
    out = ['<table class="neuropynq">']
    if caption:
        out.append(f"<caption style=\"text-align:left\">{html.escape(caption)}</caption>")
    out.append("<thead><tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in header) + "</tr></thead><tbody>")
    for row in shown:
        tds = []
        for i, value in enumerate(row):
            align = ' style="text-align:right"' if _numeric(value) else ' style="text-align:left"'
            text = html.escape(cell_text(value))
            if bars and i in bars and _numeric(value):
                width = max(0.0, min(1.0, float(value) / bars[i])) * 100
                text += (f'<div style="background:#4c72b0;height:4px;width:{width:.1f}%"></div>')
            tds.append(f"<td{align}>{text}</td>")
        out.append("<tr>" + "".join(tds) + "</tr>")
    out.append("</tbody></table>")
    if left_out:
        out.append(f"<p>... {left_out} more rows</p>")
    return "".join(out)


def _cut(rows: list, limit: int | None) -> tuple[list, int]:
    if limit is None or len(rows) <= limit:
        return rows, 0
    return rows[:limit], len(rows) - limit
