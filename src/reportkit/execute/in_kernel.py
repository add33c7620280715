"""Runs inside the Jupyter kernel (sent as source by kernel.py; never imported by reportkit).

``start(root, size)``: matplotlib figures as SVG with stable ids at ``size`` inches (applied when
pyplot is first imported, so a document that draws nothing does not import matplotlib), and an
audit hook that notes every file opened for reading. ``report()``: the files read under the project
``root`` (outside the interpreter's own folders, not written by the code itself), the distributions
of the modules imported, the interpreter and its ``sys.path``, as JSON.
"""

import json
import os
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


def _libraries():
    from importlib import metadata

    try:
        owners = metadata.packages_distributions()
    except Exception:  # a broken distribution must not stop the report
        return {}
    found = {}
    for name in sorted({m.split(".")[0] for m in list(sys.modules)}):
        for dist in owners.get(name, []):
            try:
                found[dist] = metadata.version(dist)
            except Exception:
                continue
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
