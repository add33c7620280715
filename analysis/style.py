"""One look for every figure: fonts, the Okabe–Ito colour-blind-safe palette, SVG output.

SVG files are deterministic: a fixed ``svg.hashsalt`` (stable element ids), text as paths, no date in
the metadata, and glyphs only from the fonts matplotlib ships (never a font installed on the system),
so two runs on any two machines with the locked libraries write byte-identical files.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("svg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib import font_manager  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402


def use_bundled_fonts_only() -> None:
    """Let matplotlib choose only among the fonts in its own ``mpl-data`` folder: a font installed on
    the system (another DejaVu Sans version, a font with a closer match) can never change a figure."""
    bundled = matplotlib.get_data_path()
    manager = font_manager.fontManager
    manager.ttflist = [f for f in manager.ttflist if f.fname.startswith(bundled)]
    manager.afmlist = [f for f in manager.afmlist if f.fname.startswith(bundled)]
    manager._findfont_cached.cache_clear()  # matplotlib's own memo of earlier answers


use_bundled_fonts_only()

# Okabe & Ito (2008), distinguishable with the common colour-vision deficiencies.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
# One colour per country, the same in every figure.
COUNTRY_COLOURS = {"UZB": "#0072B2", "KGZ": "#E69F00", "TJK": "#009E73", "TKM": "#CC79A7",
                   "KAZ": "#000000", "CHN": "#D55E00", "MNG": "#56B4E9", "RUS": "#999999", "other": "#BBBBBB"}
COUNTRY_MARKERS = {"UZB": "o", "KGZ": "s", "TJK": "^", "TKM": "D", "KAZ": "v"}
COUNTRY_NAMES = {"UZB": "Uzbekistan", "KGZ": "Kyrgyzstan", "TJK": "Tajikistan", "TKM": "Turkmenistan",
                 "KAZ": "Kazakhstan", "CHN": "China", "MNG": "Mongolia", "RUS": "Russia", "other": "other"}
CENTRAL_ASIA = ["UZB", "KGZ", "TJK", "TKM"]  # host countries of the diaspora studied


def country_name(iso: str) -> str:
    """``"UZB"`` → ``"Uzbekistan"`` (the names used in every figure and table)."""
    return COUNTRY_NAMES[iso]

RC = {
    "svg.hashsalt": "kazakh-diaspora-analysis",
    "svg.fonttype": "path",
    "font.family": "DejaVu Sans",
    "font.size": 10,
    "axes.titlesize": 11,
    "axes.labelsize": 10,
    "xtick.labelsize": 9,
    "ytick.labelsize": 9,
    "legend.fontsize": 9,
    "legend.frameon": False,
    "axes.prop_cycle": matplotlib.cycler(color=PALETTE),
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.color": "#DDDDDD",
    "grid.linewidth": 0.6,
    "axes.axisbelow": True,
    "figure.dpi": 100,
}


def figure(width: float = 6.5, height: float = 3.6, ncols: int = 1, nrows: int = 1, **kwargs):
    """A new figure and axes with the shared style applied."""
    plt.rcParams.update(RC)
    return plt.subplots(nrows, ncols, figsize=(width, height), **kwargs)


def thousands(ax, axis: str = "y") -> None:
    """Axis tick labels with thousands separators."""
    fmt = matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:,.0f}")
    (ax.yaxis if axis == "y" else ax.xaxis).set_major_formatter(fmt)


def save(fig: Figure, path) -> None:
    """Write ``fig`` as SVG (its caption, in the document, states the source)."""
    plt.rcParams.update(RC)
    fig.tight_layout()
    fig.savefig(path, format="svg", metadata={"Date": None, "Creator": "analysis/style.py (matplotlib)"})
    plt.close(fig)
