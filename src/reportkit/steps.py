"""The project's own build steps (its analysis), as declared by the project.

``_quarto.yml`` names two commands under ``reportkit: steps:``::

    reportkit:
      steps:
        list: python -m analysis --list    # prints JSON: [{name, module, inputs, outputs, after}]
        run: python -m analysis            # + --step NAME for each step to run
        worker: python -m analysis --worker  # optional: long-lived workers (see WorkerPool)
        sources: [analysis]                # folders whose *.py files define the steps
        versions: [pandas, matplotlib]     # libraries whose version is part of every step's key

Every step's inputs are its declared data files plus the Python source files its module
imports from the project (found by reading the imports, recursively), and the runner's.
The listing is cached until a source file changes, so an unchanged project starts no Python.
"""

from __future__ import annotations

import ast
import hashlib
import json
import queue
import shlex
import subprocess
import sys
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from .errors import ConfigError, Location, ReportError
from .fingerprint import Fingerprints
from .graph import Step
from .progress import Progress
from .project import Project
from .protocol import WORKER_MARK
from .state import BuildState
from .versions import versions


class StepError(ReportError):
    """A project step failed; the render stops before anything is written."""

    exit_code = 6


def _command(text: str) -> list[str]:
    args = shlex.split(text)
    if args and args[0] in ("python", "python3"):
        args[0] = sys.executable
    return args


def settings(project: Project) -> dict | None:
    """The ``reportkit: steps:`` mapping, or None when the project declares no steps."""
    options = (project.config.get("reportkit") or {}).get("steps")
    if options is None:
        return None
    if not isinstance(options, dict) or not options.get("list") or not options.get("run"):
        raise ConfigError("reportkit.steps needs `list` and `run` commands", Location(project.config_path), "config.steps")
    return options


# -- python source closure -------------------------------------------------------------------
def module_file(root: Path, module: str) -> Path | None:
    base = root.joinpath(*module.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def python_closure(root: Path, module: str) -> list[str]:
    """Project-relative source files of ``module`` and every project module it imports."""
    top = module.split(".")[0]
    seen: dict[str, Path] = {}
    pending = [module]
    while pending:
        name = pending.pop()
        if name in seen:
            continue
        path = module_file(root, name)
        if path is None:
            continue
        seen[name] = path
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for parent in _parents(package):
            pending.append(parent)
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        except SyntaxError as error:
            raise StepError(f"{error.msg} (a step's code cannot be read)", Location(path.relative_to(root), error.lineno),
                            "step.syntax") from error
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                pending += [a.name for a in node.names if a.name.split(".")[0] == top]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*anchor, base] if base else anchor)
                if base.split(".")[0] == top:
                    pending.append(base)
                    pending += [f"{base}.{a.name}" for a in node.names]
    return sorted(str(p.relative_to(root)) for p in seen.values())


def _parents(package: str) -> list[str]:
    parts = package.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts) + 1) if parts[0]]


# -- discovery --------------------------------------------------------------------------------
def _listing(project: Project, options: dict, fingerprints: Fingerprints, state: BuildState, runner) -> list[dict]:
    sources = sorted(str(p.relative_to(project.root)) for folder in options.get("sources") or []
                     for p in (project.root / folder).rglob("*.py"))
    key = hashlib.sha256(json.dumps([options["list"], fingerprints.digests(sources)], sort_keys=True).encode()).hexdigest()
    cached = state.cache.get("steps")
    if cached and cached.get("key") == key:
        return cached["steps"]
    text = runner.listing(_command(options["list"]))
    try:
        steps = json.loads(text)
    except json.JSONDecodeError as exc:
        raise StepError(f"`{options['list']}` did not print JSON ({exc})") from exc
    for entry in steps:
        missing = {"name", "inputs", "outputs"} - set(entry)
        if missing:
            raise StepError(f"step listing entry {entry.get('name', '?')} lacks {', '.join(sorted(missing))}")
        # the step's code, found once per change of the sources (the cache key covers them)
        entry["code"] = python_closure(project.root, entry["module"]) if entry.get("module") else []
    state.cache["steps"] = {"key": key, "steps": steps}
    return steps


def _runner_sources(project: Project, options: dict, state: BuildState) -> list[str]:
    """Source files of the module the run/worker command starts (cached with the listing)."""
    cached = state.cache.get("steps") or {}
    if "runner" not in cached:
        run = _command(options.get("worker") or options["run"])
        module = run[run.index("-m") + 1] if "-m" in run else None
        cached["runner"] = python_closure(project.root, module) if module else []
    return cached["runner"]


def project_steps(project: Project, fingerprints: Fingerprints, state: BuildState, progress: Progress,
                  jobs: int = 2, after: list[str] | None = None) -> tuple[list[Step], "Runner | None"]:
    """The project's declared steps as graph steps, and the runner that executes them
    (close it when the build ends). Empty and None when the project declares no steps."""
    options = settings(project)
    if options is None:
        return [], None
    runner: Runner
    if options.get("worker"):
        runner = WorkerPool(project, _command(options["worker"]), progress, jobs)
    else:
        runner = ProcessRunner(project, _command(options["run"]), progress, jobs)
    listing = _listing(project, options, fingerprints, state, runner)
    runner_sources = _runner_sources(project, options, state)
    key = f"{options.get('worker') or options['run']}|{versions(options.get('versions') or [])}"
    steps = []
    for entry in listing:
        code = entry.get("code", [])
        steps.append(Step(
            name=entry["name"], inputs=list(dict.fromkeys([*entry["inputs"], *code, *runner_sources])),
            outputs=list(entry["outputs"]), submit=runner.submit, key=key,
            after=[*(entry.get("after") or []), *(after or [])],
        ))
    return steps, runner


class ProcessRunner:
    """Runs each step as ``RUN --step NAME``, up to ``jobs`` at a time."""

    def __init__(self, project: Project, run: list[str], progress: Progress, jobs: int):
        self.project, self.run, self.progress = project, run, progress
        self.pool = ThreadPoolExecutor(max(1, jobs))
        self.running: set[subprocess.Popen] = set()

    def submit(self, step: Step) -> Future:
        return self.pool.submit(self._run, step.name)

    def _run(self, name: str) -> None:
        started = time.perf_counter()
        process = subprocess.Popen([*self.run, "--step", name], cwd=self.project.root, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True, encoding="utf-8")
        self.running.add(process)
        try:
            stdout, stderr = process.communicate()
        finally:
            self.running.discard(process)
        done = subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)
        for line in (done.stdout + done.stderr).splitlines():
            self.progress.stream(line)
        if done.returncode != 0:
            tail = "\n".join(done.stderr.splitlines()[-15:])
            raise StepError(f"step {name} failed (exit code {done.returncode}):\n{tail}")
        self.progress.info(f"  step {name} ... {time.perf_counter() - started:.2f}s")

    def listing(self, command: list[str]) -> str:
        done = subprocess.run(command, cwd=self.project.root, capture_output=True, text=True)
        if done.returncode != 0:
            raise StepError(f"`{' '.join(command)}` failed with exit code {done.returncode}:\n{done.stderr.strip()}")
        return done.stdout

    def close(self, interrupted: bool = False) -> None:
        """Wait for the steps still running; ``interrupted``: stop them first."""
        if interrupted:
            for process in list(self.running):
                process.kill()
        self.pool.shutdown(wait=True, cancel_futures=True)


class WorkerPool:
    """``jobs`` long-lived worker processes (started on first use) that run steps on request.

    Protocol, one JSON object per line: reportkit writes ``{"run": NAME}`` or ``{"list": true}``
    to a worker's stdin; the worker answers on stdout with a line starting ``protocol.WORKER_MARK``
    followed by ``{"ok": true, "seconds": S}``, ``{"ok": true, "steps": [...]}`` or
    ``{"ok": false, "error": TRACEBACK, "where": {"file": F, "line": N} | null}`` (``where``: the
    project file and line the error comes from). Workers start on the first request, all ``jobs`` of them (the
    listing is one). Anything else a worker prints is shown as its log (``WorkerLog``).
    Each worker imports the project's libraries once, however many steps it runs.
    """

    def __init__(self, project: Project, command: list[str], progress: Progress, jobs: int):
        self.project, self.command, self.progress, self.jobs = project, command, progress, max(1, jobs)
        self.queue: queue.Queue = queue.Queue()
        self.threads: list[threading.Thread] = []
        self.processes: list[subprocess.Popen] = []
        self._logs: dict[int, threading.Thread] = {}  # process id -> the thread reading its stderr

    def _start(self, count: int) -> None:
        """Make sure ``count`` workers run (they import the project's libraries once each)."""
        for number in range(len(self.processes) + 1, min(count, self.jobs) + 1):
            process = subprocess.Popen(self.command, cwd=self.project.root, stdin=subprocess.PIPE,
                                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding="utf-8")
            self.processes.append(process)
            log = WorkerLog(self.progress)
            for target, args in ((self._serve, (process, number, log)), (self._log, (process, log))):
                thread = threading.Thread(target=target, args=args, daemon=True)
                thread.start()
                self.threads.append(thread)
            self._logs[process.pid] = thread  # the last one: reads its stderr

    def _log(self, process: subprocess.Popen, log: "WorkerLog") -> None:
        for line in process.stderr:
            log.add(line)

    def _ask(self, process: subprocess.Popen, request: dict) -> dict:
        try:
            process.stdin.write(json.dumps(request) + "\n")
            process.stdin.flush()
        except BrokenPipeError:  # it exited before reading (an import error as it started): said below, as any exit
            pass
        for line in process.stdout:
            if line.startswith(WORKER_MARK):
                return json.loads(line[len(WORKER_MARK):])
            self.progress.stream(line)
        code = process.wait()
        self._logs[process.pid].join(timeout=10)  # what it printed on its way out (its traceback) comes first
        raise StepError(f"worker `{' '.join(self.command)}` exited (code {code}) during {request}")

    def _serve(self, process: subprocess.Popen, number: int, log: "WorkerLog") -> None:
        while True:
            item = self.queue.get()
            if item is None:
                return
            request, future = item
            if not future.set_running_or_notify_cancel():
                continue
            log.show()
            try:
                reply = self._ask(process, request)
            except BaseException as exc:  # handed to whoever waits on the future
                future.set_exception(exc)
                continue
            if not reply.get("ok"):
                place = reply.get("where") or {}
                what = f"step {request['run']}" if "run" in request else "listing the steps"
                location = Location(place["file"], place.get("line")) if place.get("file") else None
                future.set_exception(StepError(f"{what} failed:\n{reply.get('error', '')}".rstrip(), location,
                                               "step.failed"))
            else:
                if "run" in request:
                    self.progress.info(f"  step {request['run']} ... {reply.get('seconds', 0):.2f}s (worker {number})")
                future.set_result(reply)

    def _request(self, request: dict) -> Future:
        # all at once, also for the listing: the others import the project's libraries meanwhile, on the
        # other cores, instead of after it when the steps already wait for them
        self._start(self.jobs)
        future: Future = Future()
        self.queue.put((request, future))
        return future

    def submit(self, step: Step) -> Future:
        return self._request({"run": step.name})

    def listing(self, command: list[str]) -> str:
        return json.dumps(self._request({"list": True}).result()["steps"])

    def close(self, interrupted: bool = False) -> None:
        """End the workers once their steps are done; ``interrupted``: at once."""
        for _ in self.processes:
            self.queue.put(None)
        for process in self.processes:
            if interrupted:
                process.kill()
            try:
                process.stdin.close()
                process.wait(timeout=10)
            except (OSError, subprocess.TimeoutExpired):
                process.kill()


class WorkerLog:
    """What a worker prints to stderr: held until it is first asked something, then shown as it comes. A
    worker never asked (started with the others for a listing, then not needed) shows nothing: it ran the
    same code as the one asked, so its log (a failing import, say) would only repeat that one's."""

    def __init__(self, progress: Progress):
        self.progress = progress
        self.held: list[str] | None = []
        self.lock = threading.Lock()

    def add(self, line: str) -> None:
        with self.lock:
            if self.held is None:
                self.progress.stream(line)
            else:
                self.held.append(line)

    def show(self) -> None:
        """From now on, show each line; first the lines held so far."""
        with self.lock:
            for line in self.held or []:
                self.progress.stream(line)
            self.held = None


Runner = ProcessRunner | WorkerPool
