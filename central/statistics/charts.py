"""Charts drawn as SVG on the server: no script, no CDN, printable, readable by tests.

::

    bars([("8h", 4.5), ("9h", 12.0)], unit="phút")      # '<svg ...>...</svg>'
    lines({"Sở Tư pháp": [("T14", 92.0), ("T15", 100.0)]}, unit="%", top=100)

Colours are presentation attributes (allowed by the pages' CSP, unlike
``style``); every bar and point carries a ``<title>`` with its figure.
"""

from __future__ import annotations

from html import escape

from markupsafe import Markup

PALETTE = ["#1f6fb2", "#d9822b", "#2e9e5b", "#c0392b", "#7d5ba6", "#138d90", "#b7950b",
           "#6c7a89"]
W, H = 560, 220
LEFT, RIGHT, TOP, BOTTOM = 44, 12, 14, 34


def _nice_top(value: float) -> float:
    if value <= 0:
        return 1.0
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 500, 1000, 2000, 5000, 10000):
        if value <= step:
            return float(step)
    return float(value)


def _fmt(value: float) -> str:
    return f"{value:g}" if value == int(value) else f"{value:.1f}"


def _frame(top: float, unit: str, label: str, plot_h: float = H - TOP - BOTTOM,
           height: int = H) -> list[str]:
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {height}" role="img" '
           f'class="chart" aria-label="{escape(label)}">']
    for i in range(5):
        y = TOP + plot_h * i / 4
        value = top * (4 - i) / 4
        out.append(f'<line x1="{LEFT}" x2="{W - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" '
                   'stroke="#ddd"/>')
        out.append(f'<text x="{LEFT - 4}" y="{y + 4:.1f}" text-anchor="end" font-size="10" '
                   f'fill="#555">{_fmt(value)}</text>')
    out.append(f'<text x="4" y="{TOP - 4}" font-size="10" fill="#555">{escape(unit)}</text>')
    return out


def bars(points: list[tuple[str, float]], unit: str = "", label: str = "",
         colour: str = PALETTE[0]) -> Markup:
    """A bar chart of ``(label, value)``; an empty list draws an empty frame."""
    top = _nice_top(max((v for _, v in points), default=0))
    out = _frame(top, unit, label)
    plot_w, plot_h = W - LEFT - RIGHT, H - TOP - BOTTOM
    n = max(1, len(points))
    slot = plot_w / n
    for i, (name, value) in enumerate(points):
        h = plot_h * value / top
        x = LEFT + i * slot + slot * 0.15
        y = TOP + plot_h - h
        out.append(f'<rect class="bar" x="{x:.1f}" y="{y:.1f}" width="{slot * 0.7:.1f}" '
                   f'height="{h:.1f}" fill="{colour}" data-label="{escape(str(name))}" '
                   f'data-value="{_fmt(value)}"><title>{escape(str(name))}: '
                   f'{_fmt(value)} {escape(unit)}</title></rect>')
        out.append(f'<text x="{x + slot * 0.35:.1f}" y="{H - BOTTOM + 14}" font-size="10" '
                   f'text-anchor="middle" fill="#333">{escape(str(name))}</text>')
    if not points:
        out.append(f'<text x="{W / 2}" y="{H / 2}" text-anchor="middle" fill="#777" '
                   'font-size="12">Chưa có số liệu</text>')
    out.append("</svg>")
    return Markup("".join(out))


def lines(series: dict[str, list[tuple[str, float | None]]], unit: str = "",
          top: float | None = None, label: str = "") -> Markup:
    """One line per series over shared x labels (a None value leaves a gap); a legend below."""
    values = [v for pts in series.values() for _, v in pts if v is not None]
    top = top or _nice_top(max(values, default=0))
    plot_w, plot_h = W - LEFT - RIGHT, H - TOP - BOTTOM - 16  # room for the legend
    legend_rows = max(1, (len(series) + 3) // 4)
    out = _frame(top, unit, label, plot_h, H + 12 * (legend_rows - 1))
    labels = next(iter(series.values()), [])
    n = max(1, len(labels) - 1)
    for i, (name, _) in enumerate(labels):
        x = LEFT + plot_w * i / n
        out.append(f'<text x="{x:.1f}" y="{TOP + plot_h + 14:.1f}" font-size="10" '
                   'text-anchor="middle" '
                   f'fill="#333">{escape(str(name))}</text>')
    for k, (name, pts) in enumerate(series.items()):
        colour = PALETTE[k % len(PALETTE)]
        path, dots = [], []
        for i, (x_label, value) in enumerate(pts):
            if value is None:
                continue
            x = LEFT + plot_w * i / n
            y = TOP + plot_h - plot_h * value / top
            path.append(f"{'M' if not path else 'L'}{x:.1f},{y:.1f}")
            dots.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}">'
                        f'<title>{escape(name)} {escape(str(x_label))}: {_fmt(value)} '
                        f'{escape(unit)}</title></circle>')
        if path:
            out.append(f'<path class="series" data-name="{escape(name)}" d="{" ".join(path)}" '
                       f'fill="none" stroke="{colour}" stroke-width="2"/>')
        out.extend(dots)
        lx = LEFT + (k % 4) * 128
        ly = TOP + plot_h + 30 + (k // 4) * 12
        out.append(f'<rect x="{lx}" y="{ly - 8}" width="10" height="8" fill="{colour}"/>'
                   f'<text x="{lx + 14}" y="{ly}" font-size="10" fill="#333">'
                   f'{escape(name[:28])}</text>')
    if not values:
        out.append(f'<text x="{W / 2}" y="{H / 2}" text-anchor="middle" fill="#777" '
                   'font-size="12">Chưa có số liệu</text>')
    out.append("</svg>")
    return Markup("".join(out))
