"""Runs inside the Jupyter kernel (sent as source by kernel.py; never imported by reportkit).

``start(root, size)``: matplotlib figures as SVG with stable ids at ``size`` inches (applied when
pyplot is first imported, so a document that draws nothing does not import matplotlib), and an
audit hook that notes every file opened for reading. ``report()``: the files read under the project
``root`` (outside the interpreter's own folders, not written by the code itself), the distributions
of the modules imported, the interpreter and its ``sys.path``, as JSON.
"""

import json
import os
import re
import sys

_state = {"root": "", "reads": set(), "written": set()}


def _audit(event, args):
    if event != "open" or not args:
        return
    path = args[0]
    if isinstance(path, int) or path is None:
        return
    try:
        path = os.path.abspath(os.fsdecode(path))
    except (TypeError, ValueError):
        return
    if not path.startswith(_state["root"]):
        return
    mode = args[1] if len(args) > 1 else None
    flags = args[2] if len(args) > 2 else 0
    writes = any(c in mode for c in "wax+") if isinstance(mode, str) else bool(flags & (os.O_WRONLY | os.O_RDWR))
    (_state["written"] if writes else _state["reads"]).add(path)


def _ipython():
    try:
        return get_ipython()  # noqa: F821 (defined in an IPython kernel)
    except NameError:
        return None


def figure_size(size):
    """Figures drawn from now on are ``size`` (width, height) inches."""
    rc = {"figure.figsize": tuple(size), "svg.hashsalt": "reportkit", "figure.dpi": 96}
    shell = _ipython()
    if shell is not None:
        shell.run_line_magic("config", f"InlineBackend.rc = {rc!r}")
    if "matplotlib" in sys.modules:
        sys.modules["matplotlib"].rcParams.update(rc)


def start(root, size):
    _state["root"] = os.path.join(os.path.abspath(root), "")
    sys.addaudithook(_audit)
    shell = _ipython()
    if shell is not None:
        shell.run_line_magic("config", "InlineBackend.figure_formats = ['svg']")
        # no date in the SVG (matplotlib honours SOURCE_DATE_EPOCH otherwise)
        shell.run_line_magic("config", "InlineBackend.print_figure_kwargs = "
                             "{'bbox_inches': 'tight', 'metadata': {'Date': None}}")
    figure_size(size)


def _outside(path):
    prefixes = {os.path.join(os.path.abspath(p), "") for p in (sys.prefix, sys.base_prefix, sys.exec_prefix)}
    return not any(path.startswith(p) for p in prefixes)


def _normal(name):
    return re.sub(r"[-_.]+", "_", name).lower()


def _libraries():
    """Distribution -> version for the modules imported: a distribution named as the module, else the one
    whose top_level.txt (or RECORD) lists it; from the dist-info folders on sys.path, read only as needed
    (importlib.metadata.packages_distributions reads every RECORD: ten times slower)."""
    names = {m.split(".")[0] for m in list(sys.modules)} - set(sys.stdlib_module_names)
    names = {n for n in names if not n.startswith("_")}
    dists = []
    for folder in sys.path:
        try:
            entries = list(os.scandir(folder or "."))
        except OSError:
            continue
        dists += [(*e.name[:-len(".dist-info")].partition("-")[::2], e.path) for e in entries
                  if e.name.endswith(".dist-info")]
    by_name = {}
    for name, version, _ in dists:
        by_name.setdefault(_normal(name), (name, version))
    found, left = {}, set()
    for module in names:
        if _normal(module) in by_name:
            name, version = by_name[_normal(module)]
            found[name] = version
        else:
            left.add(module)
    for name, version, path in dists:
        if not left:
            break
        for listing in ("top_level.txt", "RECORD"):
            try:
                with open(os.path.join(path, listing), encoding="utf-8") as handle:
                    text = handle.read()
            except OSError:
                continue
            tops = set(text.split()) if listing == "top_level.txt" else \
                {line.split("/")[0].split(",")[0].removesuffix(".py") for line in text.splitlines()}
            if left & tops:
                found[name] = version
                left -= tops
            break
    return found


def report():
    root = _state["root"]
    reads = {p for p in _state["reads"] - _state["written"] if _outside(p) and os.path.isfile(p)}
    for module in list(sys.modules.values()):
        path = getattr(module, "__file__", None)
        if isinstance(path, str) and path.startswith(root) and _outside(path) and os.path.isfile(path):
            reads.add(path)
    reads = sorted(p for p in reads if "__pycache__" not in p.split(os.sep))
    return json.dumps({"reads": reads, "libraries": _libraries(), "python": sys.executable,
                       "path": [p for p in sys.path if p and os.path.isdir(p)]})
