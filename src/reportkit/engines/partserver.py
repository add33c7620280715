"""One long-lived ``pandoc lua`` process (``partserver.lua``) for a preview's pandoc passes: the parts of
its quick pages, and its full renders' Typst pass. A part's pass then costs its filters' and writer's
work only, not pandoc's start, the metadata file's parsing (as markdown) and citeproc's collation
tables, again for every save (~0.4 s of a ~0.5 s pass, measured on this paper); a full render runs one
pandoc process fewer beside the preview.

A request is the pandoc command line the built-in engine would run for the part; the server does what
pandoc does with it for the arguments a part uses, and refuses any other. The caller then runs pandoc
itself (:meth:`PartServer.start` answers False), so a part is always rendered as pandoc renders it.
``--embed-resources`` is finished here (:func:`embed_resources`), as pandoc does it for a part's HTML:
local images as ``data:`` URIs, and each tag on one line; a part whose HTML needs more than that (raw
HTML, scripts, styles, remote images) is refused.
"""

from __future__ import annotations

import base64
import os
import json
import re
import subprocess
import threading
from pathlib import Path
from typing import Callable

from ..packaged import package_file

SERVER_SCRIPT = ("engines", "partserver.lua")
EMBED = "--embed-resources"
STANDALONE = "--standalone"  # a whole document's pass (its answer is no part to warm a new server up with)
RENEW_ABOVE = 110 * 2**20  # the server's own memory above which renew_if_grown replaces it (it starts at ~65 MB)
# pandoc's own suggested heap (-H64m) suits one large document; a part is small, and the server lives on
# beside the preview's full renders: measured, 69 MB instead of 100 MB of its own memory, no slower
SERVER_RTS = ("+RTS", "-H1m", "-RTS")
# what pandoc's --embed-resources gives a local image (by extension); others are refused
IMAGE_TYPES = {".svg": "image/svg+xml", ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
               ".gif": "image/gif", ".webp": "image/webp"}
# a tag as pandoc's HTML writer writes it: its name, then attributes name="value" (or a bare name)
TAG = re.compile(r"<(?!!--)[^<>]*>")  # any tag, not a comment (pandoc keeps those as they are)
WELL_FORMED = re.compile(r'<(/?[A-Za-z][\w:-]*)((?:\s+[^\s="/>]+(?:="[^"]*")?)*)\s*(/?)>')
ATTRIBUTE = re.compile(r'([^\s="/>]+)(?:="([^"]*)")?')
OTHER_RESOURCES = re.compile(r"<(script|link|style|video|audio|source|embed|iframe|object|track|input)\b"
                             r"|\s(srcset|poster|data-src)=|url\(", re.I)


class PartServer:
    """``pandoc lua partserver.lua``, started at the first part, running in ``cwd`` (as the built-in
    engine runs pandoc: the project root). Requests are answered in the order they are made."""

    def __init__(self, pandoc: str, cwd: Path):
        self.pandoc, self.cwd = pandoc, cwd
        self._process: subprocess.Popen | None = None
        self._lock = threading.Lock()
        self._sent = self._answered = 0  # requests to the running process, and answers read from it
        self._answers: dict[int, dict] = {}  # answers read before their wait asked for them
        self._warmups: set[int] = set()  # requests whose answer nobody waits for (renew)
        self._last_part: list[str] | None = None  # the last part's arguments: what a new server warms up with
        self._abbreviations: list[str] | None = None
        self._warming: threading.Thread | None = None  # warm_up_soon's thread, until close() waits for it

    def start(self, args: list[str]) -> Callable[[], bool]:
        """Send one pass's pandoc arguments; the function returned waits for the answer: True when the
        output (and ``--log`` file) is written as pandoc writes it, False when the caller must run pandoc."""
        with self._lock:
            try:
                process, number = self._send(args)
            except OSError:
                self._stop()
                return lambda: False
            if STANDALONE not in args:
                self._last_part = args

        def wait() -> bool:
            answer = self._answer(process, number)
            if not answer.get("ok"):
                return False
            return EMBED not in args or (not answer.get("raw-html") and finish_embedding(args, self.cwd))
        return wait

    def renew_if_grown(self) -> None:
        """Replace the server by a new one when it has grown: ``pandoc lua`` keeps part of what each request
        made (measured: ~1 MB a part, ~10 MB a whole document). The new one is warmed up at once with the last
        part (pandoc's Lua modules, the metadata, citeproc's tables), whose answer nobody waits for."""
        with self._lock:
            if self._process is None or own_memory(self._process.pid) <= RENEW_ABOVE:
                return
            self._stop()
            if self._last_part is not None:
                self._warm_up(self._last_part)

    def warm_up(self, args: list[str]) -> None:
        """Start the server now, if it is not running, with the request ``args`` whose answer nobody waits for:
        the first part then finds pandoc's Lua modules, the metadata file, the filters and citeproc's tables
        loaded (a render's likely splice: prestart.py; ``warm_up_request`` makes such a request)."""
        with self._lock:
            self._warm_up(args)

    def warm_up_soon(self, args: list[str]) -> None:
        """``warm_up`` in a thread: the caller goes on while pandoc's version is asked and the server started
        (``close`` waits for that thread, so that no server starts after it)."""
        self._warming = threading.Thread(target=self.warm_up, args=(args,), name="part server warm-up", daemon=True)
        self._warming.start()

    def _warm_up(self, args: list[str]) -> None:
        try:
            _, number = self._send(args)  # (a new process: a new set of warm-ups)
            self._warmups.add(number)
        except OSError:
            self._stop()

    def _send(self, args: list[str]) -> tuple[subprocess.Popen, int]:
        if self._process is None or self._process.poll() is not None:
            self._abbreviations = self._abbreviations or abbreviations(self.pandoc)
            self._process = subprocess.Popen(
                [self.pandoc, *SERVER_RTS, "lua", str(package_file(*SERVER_SCRIPT))], cwd=self.cwd, stdin=subprocess.PIPE,
                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, encoding="utf-8")
            self._process.stdin.write(json.dumps({"abbreviations": self._abbreviations}) + "\n")
            self._sent = self._answered = 0
            self._answers, self._warmups = {}, set()
        self._process.stdin.write(json.dumps(args) + "\n")
        self._process.stdin.flush()
        self._sent += 1
        return self._process, self._sent

    def _answer(self, process: subprocess.Popen, number: int) -> dict:
        """The answer to request ``number`` of ``process``; {"ok": False} when that process is gone."""
        with self._lock:
            while process is self._process and number not in self._answers:
                line = process.stdout.readline()
                if not line:  # the server ended: every request still open gets "run pandoc"
                    self._stop()
                    break
                self._answered += 1
                if self._answered in self._warmups:
                    self._warmups.discard(self._answered)
                else:
                    self._answers[self._answered] = json.loads(line)
            return self._answers.pop(number, {"ok": False}) if process is self._process else {"ok": False}

    def _stop(self) -> None:
        if self._process is not None:
            self._process.kill()
            self._process.wait()
            self._process = None

    def close(self) -> None:
        """Stop the server (a later request starts a new one)."""
        if self._warming is not None:
            self._warming.join()
            self._warming = None
        with self._lock:
            self._stop()


def warm_up_request(args: list[str], folder: Path) -> list[str]:
    """A part's request (``PartServer.start``'s ``args``, its input first) for a warm-up: the same metadata
    file, filters, citeproc (the metadata's ``nocite`` cites the part's works) and writer, on an empty input
    (written in ``folder``), with an output and log of its own there."""
    if not args or args[0].startswith("-") or "--output" not in args:
        raise ValueError(f"not a part's pandoc arguments: {args[:3]}")
    folder.mkdir(parents=True, exist_ok=True)
    empty = folder / "warm-up.md"
    empty.write_text("", encoding="utf-8")
    request = [str(empty), *args[1:]]
    for option, name in (("--output", "warm-up.out"), ("--log", "warm-up.log.json")):
        if option in request:
            request[request.index(option) + 1] = str(folder / name)
    return request


def own_memory(pid: int) -> int:
    """A process's own resident memory in bytes (Linux: ``RssAnon``); where that cannot be read, as if
    it were always over RENEW_ABOVE (the server is then renewed after each full render)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return RENEW_ABOVE + 1
    match = re.search(r"^RssAnon:\s+(\d+) kB", status, re.M)
    return int(match.group(1)) * 1024 if match else RENEW_ABOVE + 1


def abbreviations(pandoc: str) -> list[str]:
    """The abbreviations pandoc's markdown reader keeps together with what follows ("No. 5"): those of the
    user data directory's ``abbreviations`` file, as the pandoc executable reads them, else pandoc's own."""
    # both asked at once (the user's file is the exception; a part server's start waits for this)
    version, default = (subprocess.Popen([pandoc, *args], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                                         encoding="utf-8")
                        for args in (["--version"], ["--print-default-data-file", "abbreviations"]))
    folder = re.search(r"^User data directory: (.+)$", version.communicate()[0], re.M)
    text = default.communicate()[0]
    own = Path(folder.group(1).strip()) / "abbreviations" if folder else None
    if own is not None and own.is_file():
        text = own.read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if line.strip()]


def finish_embedding(args: list[str], cwd: Path) -> bool:
    """Do to the HTML that ``args`` wrote what pandoc's ``--embed-resources`` does to it; False when the
    HTML needs more than this module does (then the caller runs pandoc)."""
    target = Path(args[args.index("--output") + 1])
    folders = args[args.index("--resource-path") + 1].split(os.pathsep) if "--resource-path" in args else ["."]
    html = embed_resources(target.read_text(encoding="utf-8"), [cwd / folder for folder in folders])
    if html is None:
        return False
    target.write_text(html, encoding="utf-8")
    return True


def embed_resources(html: str, folders: list[Path]) -> str | None:
    """``html`` (pandoc's HTML writer's, without a template) as ``--embed-resources`` leaves it: each
    local ``<img>`` source a base64 ``data:`` URI of the file found first in ``folders``, with
    ``role="img"`` and its alternative text as ``aria-label`` first; every tag re-rendered as pandoc
    does (on one line, an empty attribute value as a bare name). None when it holds anything else to
    embed or fetch, or a tag this does not read."""
    if OTHER_RESOURCES.search(html):
        return None
    try:
        return TAG.sub(lambda match: rendered_tag(match.group(0), folders), html)
    except ValueError:
        return None


def rendered_tag(tag: str, folders: list[Path]) -> str:
    """One tag of :func:`embed_resources`; ValueError when it cannot be made as pandoc makes it."""
    match = WELL_FORMED.fullmatch(tag)
    if match is None:
        raise ValueError(tag)
    name, closing = match.group(1), match.group(3)
    attributes = [(a.group(1), a.group(2) or "") for a in ATTRIBUTE.finditer(match.group(2))]
    if name.lower() == "img":
        attributes = embedded_image(attributes, folders)
    text = "".join(f" {key}" if not value else f' {key}="{value}"' for key, value in attributes)
    return f"<{name}{text}{' /' if closing else ''}>"


def embedded_image(attributes: list[tuple[str, str]], folders: list[Path]) -> list[tuple[str, str]]:
    """An ``<img>``'s attributes (name, value; in order) with its source embedded, as pandoc embeds it."""
    named = dict(attributes)
    source = named.get("src", "")
    if source.startswith("data:"):
        return attributes
    if "role" in named or "aria-label" in named or re.match(r"^[a-z][a-z0-9+.-]*:", source, re.I):
        raise ValueError(source)
    found = next((folder / source for folder in folders if (folder / source).is_file()), None)
    kind = IMAGE_TYPES.get(found.suffix.lower()) if found else None
    if kind is None:
        raise ValueError(source)
    uri = f"data:{kind};base64,{base64.b64encode(found.read_bytes()).decode('ascii')}"
    label = [("aria-label", named["alt"])] if "alt" in named else []
    return [("role", "img"), *label, *((key, uri if key == "src" else value) for key, value in attributes)]
