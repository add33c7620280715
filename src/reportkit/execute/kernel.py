"""One Jupyter kernel, driven through nbclient as Quarto's Jupyter engine drives it: started in
a given working directory, code run cell by cell with a timeout per cell, inline expressions
evaluated as ``user_expressions``. Knows nothing of documents: code in, nbformat outputs out.

The kernel is prepared by ``in_kernel.py`` (sent as source, so any Python kernel works): figures
as SVG at the document's size, and a record of the files the code opened and the libraries it
imported, which the build graph keys the next run on.
"""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import tempfile
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

SETUP_MODULE = "_reportkit_kernel"


class KernelMissing(Exception):
    """No kernel of that name, or it cannot start; the message says what to install."""


class CellFailed(Exception):
    """Code raised: ``ename``, ``evalue`` and the traceback as plain text."""

    def __init__(self, ename: str, evalue: str, traceback: str):
        super().__init__(f"{ename}: {evalue}")
        self.ename, self.evalue, self.traceback = ename, evalue, traceback


class CellTimedOut(Exception):
    """Code ran longer than the timeout."""


@dataclass
class Report:
    """What the kernel's code touched: files it read (absolute paths), the distributions it
    imported (name -> version), its interpreter and ``sys.path``."""

    reads: list[str]
    libraries: dict[str, str]
    python: str
    path: list[str]


def strip_ansi(text: str) -> str:
    return re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", text)


def _traceback(content: dict) -> str:
    return strip_ansi("\n".join(content.get("traceback") or []))


def _plain(node) -> dict:
    """An nbformat node as plain JSON data."""
    return json.loads(json.dumps(node))


def _setup_source() -> str:
    return resources.files("reportkit.execute").joinpath("in_kernel.py").read_text(encoding="utf-8")


class Kernel:
    """``with Kernel(name, cwd, timeout, ...) as kernel: kernel.run(code)``."""

    def __init__(self, name: str, cwd: Path, timeout: float, root: Path, figure_size: tuple[float, float]):
        self.name, self.cwd, self.timeout, self.root = name, cwd, timeout, root
        self.size = figure_size
        self.client = None
        self.count = 0  # the execution count of the last cell run (IPython's In[n])
        self._log = None
        self._context = None

    # -- lifecycle ----------------------------------------------------------------------------
    def __enter__(self) -> Kernel:
        try:
            import nbformat
            from jupyter_client.kernelspec import NoSuchKernel
            from nbclient import NotebookClient
        except ImportError as exc:
            raise KernelMissing(f"{exc.name} is not installed: pip install nbclient nbformat jupyter_client "
                                "ipykernel (the README's set-up installs them)") from exc
        self.client = NotebookClient(nbformat.v4.new_notebook(), timeout=self.timeout, kernel_name=self.name,
                                     allow_errors=False, record_timing=False, shutdown_kernel="immediate")
        self._log = tempfile.TemporaryFile(mode="w+", encoding="utf-8")
        env = {**os.environ, "PYDEVD_DISABLE_FILE_VALIDATION": "1"}  # no debugger warnings on Python 3.11
        try:
            self._context = self.client.setup_kernel(cwd=str(self.cwd), env=env, stdout=self._log,
                                                     stderr=subprocess.STDOUT)
            self._context.__enter__()
        except NoSuchKernel as exc:
            self._close_log()
            raise KernelMissing(self._missing(exc)) from exc
        except (OSError, RuntimeError) as exc:
            detail = self._kernel_log()
            self._close_log()
            raise KernelMissing(f"the Jupyter kernel `{self.name}` did not start ({exc}){detail}") from exc
        try:
            self.silent(_setup_source(), setup=True)
            self.silent(f"__import__({SETUP_MODULE!r}).start({str(self.root)!r}, {self.size!r})")
        except BaseException:
            self.__exit__(None, None, None)  # the kernel is running: stop it
            raise
        return self

    def __exit__(self, *exc) -> None:
        try:
            if self._context is not None:
                self._context.__exit__(None, None, None)
        finally:
            self._close_log()

    def _close_log(self) -> None:
        if self._log is not None:
            self._log.close()
            self._log = None

    def _kernel_log(self) -> str:
        if self._log is None:
            return ""
        self._log.seek(0)
        tail = "\n".join(self._log.read().strip().splitlines()[-10:])
        return f"; the kernel said:\n{tail}" if tail else ""

    def _missing(self, exc: Exception) -> str:
        from jupyter_client.kernelspec import KernelSpecManager

        installed = sorted(KernelSpecManager().find_kernel_specs())
        hint = ("pip install ipykernel (in the environment that runs `report`)" if self.name == "python3"
                else f"install the kernel `{self.name}` (for a Python environment: python -m ipykernel install "
                     f"--user --name {self.name}), or remove `jupyter: {self.name}` to use python3")
        return (f"no Jupyter kernel named `{self.name}` (installed: {', '.join(installed) or 'none'}): {hint}")

    # -- running ------------------------------------------------------------------------------
    def run(self, code: str, allow_error: bool) -> list[dict]:
        """Run ``code`` as one cell; its nbformat outputs. Raises CellFailed unless ``allow_error``."""
        import nbformat
        from nbclient.exceptions import CellTimeoutError, DeadKernelError

        cell = nbformat.v4.new_code_cell(code)
        cell.metadata["tags"] = ["raises-exception"]  # errors are read from the outputs below
        self.client.nb.cells = [cell]
        self.count += 1
        try:
            self.client.execute_cell(cell, 0)
        except CellTimeoutError as exc:
            raise CellTimedOut(f"did not finish within {self.timeout:g} s") from exc
        except DeadKernelError as exc:
            raise CellFailed("DeadKernelError", "the kernel died while running this cell", self._kernel_log()) from exc
        outputs = [_plain(output) for output in cell.outputs]
        for output in outputs:
            if output["output_type"] == "error" and not allow_error:
                raise CellFailed(output["ename"], output["evalue"], _traceback(output))
        return outputs

    def _execute(self, code: str, expressions: dict | None = None) -> dict:
        msg_id = self.client.kc.execute(code, silent=True, store_history=False, user_expressions=expressions or {})
        reply = self.client.wait_for_reply(msg_id)
        if reply is None:
            raise CellTimedOut(f"did not finish within {self.timeout:g} s")
        return reply["content"]

    def silent(self, code: str, setup: bool = False) -> None:
        """Run code that shows nothing and must not fail (reportkit's own set-up)."""
        if setup:
            code = (f"import sys as _s, types as _t\n_m = _t.ModuleType({SETUP_MODULE!r})\n"
                    f"_s.modules[{SETUP_MODULE!r}] = _m\nexec(compile({code!r}, 'reportkit-setup', 'exec'), _m.__dict__)\n"
                    "del _s, _t, _m")
        content = self._execute(code)
        if content.get("status") != "ok":
            raise CellFailed(content.get("ename", "Error"), content.get("evalue", ""), _traceback(content))

    def evaluate(self, expressions: list[str]) -> list[dict]:
        """Each expression's display data (``{"text/plain": ...}``), in order."""
        if not expressions:
            return []
        keys = {str(i): e for i, e in enumerate(expressions)}
        content = self._execute("", keys)
        if content.get("status") != "ok":
            raise CellFailed(content.get("ename", "Error"), content.get("evalue", ""), _traceback(content))
        results = []
        for key, expression in keys.items():
            result = content["user_expressions"][key]
            if result.get("status") != "ok":
                raise CellFailed(result.get("ename", "Error"), result.get("evalue", ""), _traceback(result))
            results.append(result.get("data", {}))
        return results

    def figure_size(self, size: tuple[float, float]) -> None:
        self.silent(f"__import__({SETUP_MODULE!r}).figure_size({size!r})")

    def report(self) -> Report:
        data = self.evaluate([f"__import__({SETUP_MODULE!r}).report()"])[0]
        found = json.loads(ast.literal_eval(data["text/plain"]))  # the repr of a JSON string
        return Report(found["reads"], found["libraries"], found["python"], found["path"])
