"""Charts drawn on the server: no script, no CDN, printable, readable by tests.

::

    hbars([("Sở Tư pháp", 0.833), ("Sở Công Thương", None)], kind="share",
          missing="chưa có hồ sơ giải quyết")     # names in full, one row each
    bars([("8h", 4), ("9h", 12)], unit="phiếu")   # SVG columns, integer ticks
    heat({"Sở Tư pháp": [("T14", 0.92), ("T15", None)]})   # departments × weeks

Names are HTML text beside their bar, never SVG text under it: a long
department name wraps onto a second line of its own row (at 390 px the name
goes above its bar) and cannot run into its neighbour. Figures are written in
Vietnamese form (:mod:`central.documents.formats`); a value that does not exist (a
share with nothing to divide) is drawn as no bar and "—" with its reason.
Colours are presentation attributes or CSS classes (the pages' CSP forbids
inline ``style``); a chart of one series has one colour, and the on-time
colours mean the same thing everywhere: green ≥ 90 %, amber 80–90 %, red
below (the centre's target, DOMAIN.md).
"""

from __future__ import annotations

import math
from html import escape

from markupsafe import Markup

from ..documents.formats import DASH, band, number, percent

PALETTE = ["#1f6fb2", "#d9822b", "#2e9e5b", "#c0392b", "#7d5ba6", "#138d90", "#b7950b",
           "#6c7a89"]
W, H = 560, 240
LEFT, RIGHT, TOP, BOTTOM = 48, 12, 32, 30
FONT = 13  # SVG user units: the chart is drawn 560 wide and scaled to its box


def ticks(top: float, integer: bool = True, most: int = 5) -> list[float]:
    """Round axis ticks from 0 to at least ``top``: steps of 1, 2 or 5 × 10^k, whole
    numbers when counting (``ticks(3)`` → [0, 1, 2, 3], never 0.75)."""
    if top <= 0:
        return [0, 1]
    raw = top / (most - 1)
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    if integer:
        step = max(1, math.ceil(step))
    n = math.ceil(top / step - 1e-9)
    return [i * step for i in range(n + 1)]


def _value_text(value: float, kind: str, decimals: int) -> str:
    return percent(value, decimals) if kind == "share" else number(value, decimals)


def hbars(rows: list[tuple[str, float | None]], *, kind: str = "count", unit: str = "",
          label: str = "", missing: str = "", decimals: int = 0, coloured: bool = False,
          chart_id: str = "") -> Markup:
    """Horizontal bars, one row per ``(name, value)``, the name in full.

    ``kind="share"`` reads values as 0–1 shares (scale to 100 %, written '83,3%');
    ``coloured`` colours each bar by :func:`band`; a None value draws "—" and
    ``missing`` (the reason) instead of a bar.
    """
    top = 1.0 if kind == "share" else max((v for _, v in rows if v is not None), default=0) or 1
    ident = f' id="{escape(chart_id)}"' if chart_id else ""
    out = [f'<div class="hbars"{ident} role="figure" aria-label="{escape(label)}">']
    for name, value in rows:
        if value is None:
            out.append(f'<div class="row none"><span class="name">{escape(name)}</span>'
                       f'<span class="bar empty"></span><span class="value" '
                       f'title="{escape(missing)}">{DASH}'
                       f'{" <small>" + escape(missing) + "</small>" if missing else ""}'
                       '</span></div>')
            continue
        width = max(0.0, min(100.0, value * 100 / top))
        cls = band(value) if coloured else "plain"
        text = _value_text(value, kind, decimals) + (f" {unit}" if unit else "")
        out.append(f'<div class="row {cls}" data-value="{value}">'
                   f'<span class="name">{escape(name)}</span>'
                   '<svg class="bar" viewBox="0 0 100 10" preserveAspectRatio="none" '
                   f'aria-hidden="true"><rect x="0" y="0" width="{width:.2f}" height="10"/>'
                   f'</svg><span class="value">{escape(text)}</span></div>')
    if not rows:
        out.append('<p class="empty">Chưa có số liệu.</p>')
    out.append("</div>")
    return Markup("".join(out))


def bars(points: list[tuple[str, float]], unit: str = "", label: str = "",
         colour: str = PALETTE[0], integer: bool = True, decimals: int = 0) -> Markup:
    """Columns over short labels (hours): SVG, ticks from :func:`ticks`, each
    column with a ``<title>`` of its figure. An empty list draws an empty frame."""
    values = [v for _, v in points]
    marks = ticks(max(values, default=0), integer=integer)
    top = marks[-1] or 1
    plot_w, plot_h = W - LEFT - RIGHT, H - TOP - BOTTOM
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {H}" role="img" '
           f'class="chart" aria-label="{escape(label)}">']
    for mark in marks:
        y = TOP + plot_h - plot_h * mark / top
        out.append(f'<line x1="{LEFT}" x2="{W - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" '
                   'stroke="#ddd"/>')
        out.append(f'<text class="tick" x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" '
                   f'font-size="{FONT}" fill="#555">{number(mark, 0 if integer else 1)}</text>')
    # The unit above the axis, clear of the top tick.
    out.append(f'<text class="unit" x="4" y="{FONT}" font-size="{FONT - 1}" '
               f'fill="#555">{escape(unit)}</text>')
    n = max(1, len(points))
    slot = plot_w / n
    # Thin out the labels when they would not fit (a label needs ~3 characters' room).
    every = max(1, math.ceil(max((len(str(p[0])) for p in points), default=1) * FONT * 0.62
                             / slot))
    for i, (name, value) in enumerate(points):
        h = plot_h * value / top
        x = LEFT + i * slot + slot * 0.15
        y = TOP + plot_h - h
        figure = number(value, decimals)
        out.append(f'<rect class="bar" x="{x:.1f}" y="{y:.1f}" width="{slot * 0.7:.1f}" '
                   f'height="{h:.1f}" fill="{colour}" data-label="{escape(str(name))}" '
                   f'data-value="{value}"><title>{escape(str(name))}: '
                   f'{figure} {escape(unit)}</title></rect>')
        if i % every == 0:
            out.append(f'<text class="label" x="{x + slot * 0.35:.1f}" y="{H - BOTTOM + 18}" '
                       f'font-size="{FONT}" text-anchor="middle" fill="#333">'
                       f'{escape(str(name))}</text>')
    if not points:
        out.append(f'<text x="{W / 2}" y="{H / 2}" text-anchor="middle" fill="#777" '
                   f'font-size="{FONT}">Chưa có số liệu</text>')
    out.append("</svg>")
    return Markup("".join(out))


def heat(series: dict[str, list[tuple[str, float | None]]], label: str = "",
         missing: str = "") -> Markup:
    """A table of shares, one row per name (in full) and one column per period,
    each cell coloured by :func:`band` and written out ('92,0%'; '—' when
    nothing was resolved): fifteen departments over eight weeks stay readable
    where fifteen lines and a legend would not."""
    heads = [x for x, _ in next(iter(series.values()), [])]
    out = [f'<table class="heat" aria-label="{escape(label)}"><thead><tr><th>Cơ quan</th>']
    out += [f"<th>{escape(h)}</th>" for h in heads]
    out.append("</tr></thead><tbody>")
    for name, points in series.items():
        out.append(f'<tr><th scope="row">{escape(name)}</th>')
        for x, value in points:
            tip = f"{name}, {x}: " + (percent(value) if value is not None else missing or DASH)
            out.append(f'<td class="{band(value)}" title="{escape(tip)}">'
                       f'{percent(value, 0) if value is not None else DASH}</td>')
        out.append("</tr>")
    if not series:
        out.append('<tr><td class="empty">Chưa có số liệu.</td></tr>')
    out.append("</tbody></table>")
    out.append('<p class="legend"><span class="key good">≥ 90%</span> '
               '<span class="key warn">80–90%</span> <span class="key bad">dưới 80%</span> '
               f'<span class="key none">{DASH} chưa có hồ sơ giải quyết</span></p>')
    return Markup("".join(out))
