"""The shortcodes Quarto ships besides include/var/meta (``env``, ``kbd``, ``video``, ``lipsum``,
``placeholder``), as markdown that renders in HTML and Typst as Quarto's do."""

from __future__ import annotations

import base64
import json
import os
import re
import shlex
from functools import lru_cache
from importlib import resources
from typing import Callable

Arguments = tuple[list[str], dict[str, str]]


def shortcode_arguments(text: str) -> Arguments:
    """Positional and ``key=value`` arguments of a shortcode, quotes removed."""
    try:
        words = shlex.split(text)
    except ValueError:
        words = text.split()
    positional, named = [], {}
    for word in words:
        key, sep, value = word.partition("=")
        if sep and re.fullmatch(r"[A-Za-z][\w-]*", key):
            named[key] = value
        else:
            positional.append(word)
    return positional, named


def _raw(html: str, typst: str) -> str:
    """Inline raw markup for the two formats (each writer drops the other's)."""
    out = f"`{html}`{{=html}}" if html else ""
    return out + (f"`{typst}`{{=typst}}" if typst else "")


def _typst_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def env(arguments: Arguments, alone: bool) -> str:
    """``{{< env NAME default >}}``: the variable's value (or the default), as text."""
    positional, _ = arguments
    if not positional:
        return ""
    value = os.environ.get(positional[0], positional[1] if len(positional) > 1 else "")
    return re.sub(r"([\\`*_{}\[\]<>#|~^$@!&])", r"\\\1", value)


OS_NAMES = {"mac": "mac", "win": "windows", "linux": "linux"}


def kbd(arguments: Arguments, alone: bool) -> str:
    """``{{< kbd Ctrl-C mac=Cmd-C >}}``: a key in HTML (``<kbd>``); in other formats code, with the
    other systems' keys in parentheses, as Quarto prints them."""
    positional, named = arguments
    named = {k: v for k, v in named.items() if k in OS_NAMES}
    key = positional[0] if positional else ""
    html_key = key or next(iter(named.values()), "")
    html = f'<kbd title="{html_key}">{html_key}</kbd>'
    if key:
        text = f"#raw({_typst_string(key)})"
        if named:
            text += " (" + "; ".join(f"{OS_NAMES[k]}: #raw({_typst_string(v)})" for k, v in named.items()) + ")"
    else:
        text = ", ".join(f"#raw({_typst_string(v)}) ({OS_NAMES[k]})" for k, v in named.items())
    return _raw(html, text)


VIDEO_HOSTS = (
    (re.compile(r"(?:youtube\.com/watch\?v=|youtu\.be/|youtube\.com/embed/)([\w-]+)"), "https://www.youtube.com/embed/{}"),
    (re.compile(r"vimeo\.com/(?:video/)?(\d+)"), "https://player.vimeo.com/video/{}"),
)


def video(arguments: Arguments, alone: bool) -> str:
    """``{{< video url >}}``: a player in HTML (an iframe for YouTube/Vimeo, else ``<video>``); in
    the PDF a link to the video, as Quarto's Typst output has."""
    positional, named = arguments
    url = named.get("src") or (positional[0] if positional else "")
    title = named.get("title", "")
    width, height = named.get("width", "560"), named.get("height", "315")
    for pattern, embed in VIDEO_HOSTS:
        found = pattern.search(url)
        if found:
            html = (f'<div class="quarto-video"><iframe src="{embed.format(found.group(1))}" title="{title}" '
                    f'width="{width}" height="{height}" frameborder="0" allowfullscreen></iframe></div>')
            break
    else:
        html = f'<div class="quarto-video"><video controls width="{width}" src="{url}"></video></div>'
    typst = f"#link({_typst_string(url)})[{title or url}]".replace("`", "")
    return _raw(html, typst)


@lru_cache(maxsize=1)
def _lipsum() -> list[str]:
    return json.loads(resources.files("reportkit").joinpath("data", "lipsum.json").read_text(encoding="utf-8"))


def lipsum(arguments: Arguments, alone: bool) -> str:
    """``{{< lipsum 2 >}}`` / ``{{< lipsum 2-4 >}}``: Quarto's placeholder paragraphs (1-5 by default);
    paragraphs when the shortcode stands alone on its line, else one run of text."""
    positional, _ = arguments
    paragraphs = _lipsum()
    start, end = 1, 5
    if positional:
        bounds = re.fullmatch(r"(\d+)-(\d+)", positional[0])
        if bounds:
            start, end = int(bounds.group(1)), int(bounds.group(2))
        elif positional[0].isdigit():
            end = int(positional[0])
    chosen = [paragraphs[(i - 1) % len(paragraphs)] for i in range(start, end + 1)]
    return ("\n\n" if alone else " ").join(chosen)


def placeholder(arguments: Arguments, alone: bool) -> str:
    """``{{< placeholder 600 400 >}}``: a grey image of that size showing its size (an SVG)."""
    positional, _ = arguments
    width = positional[0] if positional else "100"
    height = positional[1] if len(positional) > 1 else width
    try:
        font = int(0.1 * min(float(width), float(height)))
    except ValueError:
        font = 10
    svg = (f'<svg width="{width}" height="{height}" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}">'
           f'<rect width="{width}" height="{height}" fill="#ddd"/><text x="50%" y="50%" font-family="sans-serif" '
           f'font-size="{font}" fill="#000" text-anchor="middle">{width} x {height}</text></svg>')
    return f"![](data:image/svg+xml;base64,{base64.b64encode(svg.encode()).decode()})"


BUILTIN: dict[str, Callable[..., str]] = {"env": env, "kbd": kbd, "video": video, "lipsum": lipsum,
                                           "placeholder": placeholder}
