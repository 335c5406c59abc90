"""Charts as inline SVG (matplotlib, Agg backend) and the system-boundary diagram.

Charts draw their text as paths, so an HTML or PDF file shows them the same everywhere, and the
SVG is reproducible (no date, fixed hash salt). Chinese labels need a CJK font: ``cjk_font()``
finds one through fontconfig (Debian: ``fonts-noto-cjk``) and registers it with matplotlib.
"""

from __future__ import annotations

import glob
import io
import shutil
import subprocess
from collections.abc import Callable, Sequence
from functools import cache
from html import escape

import matplotlib

matplotlib.use("Agg")

from matplotlib import font_manager
from matplotlib import pyplot as plt

#: Stage colours, colour-blind safe (Okabe–Ito), in stage order.
STAGE_COLOURS = {
    "materials": "#0072B2",
    "manufacturing": "#E69F00",
    "distribution": "#009E73",
    "use": "#D55E00",
    "end_of_life": "#CC79A7",
}
GREY = "#5f6b73"
CJK_HINT = ("install a CJK font, e.g. Debian/Ubuntu: apt-get install fonts-noto-cjk "
            "(Noto Sans CJK SC); Fedora: google-noto-sans-cjk-fonts")


@cache
def cjk_font() -> tuple[str, str] | None:
    """(family, file) of an installed font that covers Simplified Chinese, or None."""
    candidates: list[tuple[str, str]] = []
    if shutil.which("fc-list"):
        try:
            out = subprocess.run(["fc-list", ":lang=zh-cn", "family", "file"],
                                 capture_output=True, text=True, timeout=20, check=False).stdout
        except (OSError, subprocess.SubprocessError):
            out = ""
        for line in out.splitlines():
            if ":" not in line:
                continue
            path, _, families = line.partition(":")
            family = families.strip().split(",")[0].strip()
            candidates.append((family, path.strip()))
    else:  # no fontconfig tools: look where Debian puts the common CJK fonts
        for path in sorted(glob.glob("/usr/share/fonts/**/*CJK*", recursive=True)
                           + glob.glob("/usr/share/fonts/**/wqy*", recursive=True)):
            candidates.append(("Noto Sans CJK SC" if "CJK" in path else "WenQuanYi Zen Hei",
                               path))
    if not candidates:
        return None

    def rank(item: tuple[str, str]) -> tuple[int, str]:
        family, path = item
        score = 0 if family == "Noto Sans CJK SC" else 1 if "Sans" in family and "Mono" not in \
            family else 2
        return score, path

    return sorted(candidates, key=rank)[0]


@cache
def _register(lang: str) -> list[str]:
    families = ["DejaVu Sans"]
    if lang == "zh":
        found = cjk_font()
        if found is not None:
            family, path = found
            try:
                font_manager.fontManager.addfont(path)
                names = {f.name for f in font_manager.fontManager.ttflist if f.fname == path}
                families.append(family if family in names else sorted(names)[0])
            except (OSError, RuntimeError, IndexError):
                pass
    return families


def _figure(lang: str, width: float, height: float) -> tuple[plt.Figure, plt.Axes]:
    families = _register(lang)
    plt.rcParams.update({
        "font.family": families, "font.size": 8.5, "svg.fonttype": "path",
        "svg.hashsalt": "gscdm-lca", "axes.spines.top": False, "axes.spines.right": False,
        "axes.edgecolor": "#9aa5ad", "axes.labelcolor": "#22313f", "xtick.color": "#22313f",
        "ytick.color": "#22313f"})
    return plt.subplots(figsize=(width, height))


def _svg(fig: plt.Figure) -> str:
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    plt.close(fig)
    text = buffer.getvalue()
    return text[text.index("<svg"):]  # drop the XML prolog and doctype: inline in HTML


def stage_bars(stages: Sequence[tuple[str, str, float]], unit: str, lang: str,
               number: Callable[[float], str] = str) -> str:
    """Horizontal bars, one per stage: (stage key, label, value)."""
    fig, ax = _figure(lang, 6.2, 0.42 * len(stages) + 0.7)
    labels = [label for _, label, _ in stages][::-1]
    values = [value for _, _, value in stages][::-1]
    colours = [STAGE_COLOURS.get(key, GREY) for key, _, _ in stages][::-1]
    bars = ax.barh(labels, values, color=colours, height=0.62)
    top = max([abs(v) for v in values] + [1e-9])
    for bar, value in zip(bars, values, strict=True):
        ax.text(bar.get_width() + top * 0.01, bar.get_y() + bar.get_height() / 2,
                number(value), va="center", fontsize=8)
    ax.set_xlim(0, top * 1.18)
    ax.set_xlabel(unit)
    ax.tick_params(axis="y", length=0)
    return _svg(fig)


def stage_donut(stages: Sequence[tuple[str, str, float]], centre: str, lang: str) -> str:
    """A donut of the stage shares with the total in the middle (datasheet style)."""
    fig, ax = _figure(lang, 2.4, 2.4)
    values = [max(v, 0.0) for _, _, v in stages]
    colours = [STAGE_COLOURS.get(key, GREY) for key, _, _ in stages]
    ax.pie(values, colors=colours, startangle=90, counterclock=False,
           wedgeprops={"width": 0.38, "edgecolor": "white", "linewidth": 1.2})
    ax.text(0, 0, centre, ha="center", va="center", fontsize=15, fontweight="bold",
            color="#22313f")
    ax.set_aspect("equal")
    return _svg(fig)


def top_bars(items: Sequence[tuple[str, float]], unit: str, lang: str,
             colour: str = "#0072B2", number: Callable[[float], str] = str) -> str:
    """The largest contributors (parts or materials) as horizontal bars."""
    fig, ax = _figure(lang, 6.2, 0.26 * len(items) + 0.7)
    labels = [label if len(label) <= 44 else label[:42] + "…" for label, _ in items][::-1]
    values = [value for _, value in items][::-1]
    bars = ax.barh(labels, values, color=colour, height=0.6)
    top = max([abs(v) for v in values] + [1e-9])
    for bar, value in zip(bars, values, strict=True):
        ax.text(bar.get_width() + top * 0.01, bar.get_y() + bar.get_height() / 2,
                number(value), va="center", fontsize=7.5)
    ax.set_xlim(0, top * 1.2)
    ax.set_xlabel(unit)
    ax.tick_params(axis="y", length=0, labelsize=8)
    return _svg(fig)


def tornado(base: float, rows: Sequence[tuple[str, float]], unit: str, lang: str,
            number: Callable[[float], str] = str) -> str:
    """Sensitivity: the change of the total (signed) for each alternative, around the base."""
    fig, ax = _figure(lang, 6.2, 0.34 * len(rows) + 0.8)
    labels = [label for label, _ in rows][::-1]
    deltas = [value - base for _, value in rows][::-1]
    colours = ["#D55E00" if d > 0 else "#009E73" for d in deltas]
    bars = ax.barh(labels, deltas, color=colours, height=0.6)
    span = max([abs(d) for d in deltas] + [1e-9])
    for bar, delta in zip(bars, deltas, strict=True):
        x = bar.get_width()
        ax.text(x + (span * 0.02 if delta >= 0 else -span * 0.02),
                bar.get_y() + bar.get_height() / 2, number(delta),
                va="center", ha="left" if delta >= 0 else "right", fontsize=7.5)
    ax.axvline(0, color="#22313f", linewidth=0.8)
    ax.set_xlim(-span * 1.45, span * 1.45)
    ax.set_xlabel(unit)
    ax.tick_params(axis="y", length=0)
    return _svg(fig)


def boundary_diagram(boxes: Sequence[tuple[str, str, str]], gate_label: str,
                     grave_label: str, excluded: str, font: str) -> str:
    """The system boundary: one box per stage, arrows between them, the factory gate marked.

    ``boxes`` are (stage key, title, detail). Plain SVG text in the report's own font.
    """
    width, box_w, box_h, gap, top = 760, 132, 96, 14, 34
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} 196" '
             f'width="100%" role="img" style="font-family:{escape(font)}">']
    parts.append('<defs><marker id="arrow" markerWidth="8" markerHeight="8" refX="7" refY="4" '
                 'orient="auto"><path d="M0,0 L8,4 L0,8 z" fill="#22313f"/></marker></defs>')
    x = 10
    gate_x = None
    for index, (key, title, detail) in enumerate(boxes):
        colour = STAGE_COLOURS.get(key, GREY)
        parts.append(f'<rect x="{x}" y="{top}" width="{box_w}" height="{box_h}" rx="6" '
                     f'fill="{colour}" fill-opacity="0.12" stroke="{colour}" '
                     'stroke-width="1.6"/>')
        parts.append(f'<text x="{x + box_w / 2}" y="{top + 22}" text-anchor="middle" '
                     f'font-size="13" font-weight="bold" fill="#22313f">{escape(title)}</text>')
        for line_no, line in enumerate(detail.split("\n")[:4]):
            parts.append(f'<text x="{x + box_w / 2}" y="{top + 42 + 14 * line_no}" '
                         f'text-anchor="middle" font-size="10" fill="#22313f">'
                         f'{escape(line)}</text>')
        if index < len(boxes) - 1:
            parts.append(f'<line x1="{x + box_w + 1}" y1="{top + box_h / 2}" '
                         f'x2="{x + box_w + gap - 1}" y2="{top + box_h / 2}" stroke="#22313f" '
                         'stroke-width="1.4" marker-end="url(#arrow)"/>')
        if key == "manufacturing":
            gate_x = x + box_w + gap / 2
        x += box_w + gap
    right = x - gap + 6
    parts.append(f'<rect x="4" y="{top - 24}" width="{right - 4}" height="{box_h + 34}" '
                 'fill="none" stroke="#22313f" stroke-dasharray="6 4" stroke-width="1.2"/>')
    parts.append(f'<text x="10" y="{top - 10}" font-size="11" fill="#22313f">'
                 f'{escape(grave_label)}</text>')
    if gate_x is not None:
        parts.append(f'<line x1="{gate_x}" y1="{top - 6}" x2="{gate_x}" y2="{top + box_h + 22}" '
                     'stroke="#D55E00" stroke-width="2" stroke-dasharray="3 3"/>')
        parts.append(f'<text x="{gate_x}" y="{top + box_h + 34}" text-anchor="middle" '
                     f'font-size="11" fill="#D55E00">{escape(gate_label)}</text>')
    parts.append(f'<text x="10" y="{top + box_h + 52}" font-size="10" fill="#5f6b73">'
                 f'{escape(excluded)}</text>')
    parts.append("</svg>")
    return "".join(parts)


__all__ = [
    "CJK_HINT",
    "STAGE_COLOURS",
    "boundary_diagram",
    "cjk_font",
    "stage_bars",
    "stage_donut",
    "top_bars",
    "tornado",
]
