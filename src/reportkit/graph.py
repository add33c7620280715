"""A content-hash build graph: steps with declared input and output files.

A step is stale when it was never built, a setting in its key changed, an input's content
changed, or an output is missing or differs from what the step last wrote. Steps run in
dependency order (producers of a step's inputs, and its ``after`` steps, first); a stale
step is submitted as soon as its dependencies finished, so independent steps run
concurrently where their runner allows it. A step's record is saved right after its
outputs exist.
"""

from __future__ import annotations

import threading
from concurrent.futures import FIRST_COMPLETED, Future, wait
from dataclasses import dataclass, field
from graphlib import CycleError, TopologicalSorter
from typing import Callable

from .errors import ReportError
from .fingerprint import Fingerprints
from .progress import Progress
from .state import BuildState


class GraphError(ReportError):
    """The declared steps do not form a valid graph (cycle, two producers of one file)."""

    exit_code = 2


@dataclass
class Step:
    """One unit of work. ``submit`` starts it and returns a Future (see ``local``).
    ``late_inputs`` is for inputs only known once upstream steps ran (e.g. the files a
    document includes, which depend on generated variables)."""

    name: str
    inputs: list[str]
    outputs: list[str]
    submit: Callable[["Step"], Future]
    key: str = ""
    after: list[str] = field(default_factory=list)
    late_inputs: Callable[[], list[str]] | None = None

    def all_inputs(self) -> list[str]:
        extra = self.late_inputs() if self.late_inputs else []
        return list(dict.fromkeys([*self.inputs, *extra]))


def local(function: Callable[[], None]) -> Callable[[Step], Future]:
    """A step run in this process, to completion, when submitted."""

    def submit(_step: Step) -> Future:
        future: Future = Future()
        try:
            function()
        except BaseException as exc:  # handed to the scheduler, which re-raises it
            future.set_exception(exc)
        else:
            future.set_result(None)
        return future

    return submit


def started(step: Step) -> Step:
    """``step`` started now, in a thread of this process, ahead of the graph's run, which is then handed the
    running future. For a step already known to be stale whose inputs are final before the graph runs (the
    data check: it runs while the project's steps are listed)."""
    future: Future = Future()
    submit = step.submit

    def run() -> None:
        try:
            future.set_result(submit(step).result())
        except BaseException as exc:  # handed to the scheduler, which re-raises it
            future.set_exception(exc)

    threading.Thread(target=run, name=f"step {step.name}", daemon=True).start()
    step.submit = lambda _step: future
    return step


@dataclass
class Outcome:
    """What happened to a step in one build: ran (with the reasons) or was up to date."""

    step: str
    ran: bool
    reasons: list[str]


class BuildGraph:
    def __init__(self, steps: list[Step], fingerprints: Fingerprints, state: BuildState,
                 closers: list[tuple[Callable[..., None], set[str]]] | None = None):
        self.steps = {s.name: s for s in steps}
        # (close, names): release a runner's resources once all the named steps have finished
        self.closers = list(closers or [])
        self.fingerprints = fingerprints
        self.state = state
        self.producer = {}
        for s in steps:
            for output in s.outputs:
                if output in self.producer:
                    raise GraphError(f"{output} is declared as an output of both {self.producer[output]} and {s.name}")
                self.producer[output] = s.name
        self.order = self._topological()

    # -- structure ----------------------------------------------------------------------
    def dependencies(self, step: Step) -> set[str]:
        """Steps that must finish before ``step``: producers of its inputs, and its ``after``."""
        deps = {self.producer[i] for i in step.inputs if i in self.producer}
        for name in step.after:
            if name in self.steps:
                deps.add(name)
        deps.discard(step.name)
        return deps

    def _sorter(self) -> TopologicalSorter:
        sorter = TopologicalSorter()
        for name, step in self.steps.items():
            sorter.add(name, *sorted(self.dependencies(step)))
        return sorter

    def _topological(self) -> list[str]:
        """Step names in an order where every step comes after its dependencies."""
        try:
            return list(self._sorter().static_order())
        except CycleError as error:
            raise GraphError(f"circular dependency between steps: {' -> '.join(reversed(error.args[1]))}") from error

    # -- staleness ----------------------------------------------------------------------
    def reasons(self, step: Step, inputs: dict[str, str | None]) -> list[str]:
        """Why ``step`` must run (empty: up to date)."""
        record = self.state.record(step.name)
        if record is None:
            return ["never built"]
        reasons = []
        if record.get("key") != step.key:
            reasons.append("settings or tool versions changed")
        old_inputs = record.get("inputs", {})
        for name, digest in inputs.items():
            if name not in old_inputs:
                reasons.append(f"new input {name}")
            elif digest is None:
                reasons.append(f"{name} is missing")
            elif old_inputs[name] != digest:
                reasons.append(f"{name} changed")
        for name in old_inputs:
            if name not in inputs:
                reasons.append(f"{name} is no longer an input")
        old_outputs = record.get("outputs", {})
        for name in step.outputs:
            digest = self.fingerprints.digest(name)
            if digest is None:
                reasons.append(f"output {name} is missing")
            elif old_outputs.get(name) != digest:
                reasons.append(f"output {name} changed since the last build")
        return reasons

    # -- running ------------------------------------------------------------------------
    def run(self, progress: Progress, explain: bool = False) -> list[Outcome]:
        """Bring every step up to date; returns what happened to each, in order.

        A step is looked at once all its dependencies have finished (so its inputs are
        final); stale steps are submitted at once, so independent ones run concurrently
        wherever their submit function allows it.
        """
        outcomes: dict[str, Outcome] = {}
        finished: set[str] = set()
        running: dict[Future, tuple[Step, dict]] = {}
        sorter = self._sorter()
        sorter.prepare()
        try:
            while sorter.is_active():
                fresh = []
                for name in sorter.get_ready():
                    step = self.steps[name]
                    inputs = self.fingerprints.digests(step.all_inputs())
                    why = self.reasons(step, inputs)
                    outcomes[name] = Outcome(name, bool(why), why)
                    if explain:
                        progress.info(f"  {name}: " + ("; ".join(why) if why else "up to date"))
                    if why:
                        progress.begin(name)
                        running[step.submit(step)] = (step, inputs)
                    else:
                        fresh.append(name)
                        finished.add(name)
                        sorter.done(name)
                        self._release(finished)
                if fresh and not explain:
                    progress.info(f"  up to date: {', '.join(fresh)}")
                if not running:
                    continue  # steps that were up to date made others ready
                done, _ = wait(list(running), return_when=FIRST_COMPLETED)
                for future in done:
                    step, inputs = running.pop(future)
                    progress.end(step.name)
                    future.result()  # re-raises the step's failure
                    self._record(step, inputs)
                    self.state.save()
                    finished.add(step.name)
                    sorter.done(step.name)
                self._release(finished)
        finally:
            for future, (step, _) in running.items():
                progress.end(step.name)
                future.cancel()
        return [outcomes[n] for n in self.order]

    def _release(self, finished: set[str]) -> None:
        """Close runners none of whose steps is left (frees worker memory before the render)."""
        for entry in [e for e in self.closers if e[1] <= finished]:
            self.closers.remove(entry)
            entry[0]()

    def close(self, interrupted: bool = False) -> None:
        """Release what the steps' runners still hold (worker processes); ``interrupted`` (Ctrl-C): stop the
        steps still running at once rather than wait for them."""
        for close, _ in self.closers:
            close(interrupted)
        self.closers = []

    def record(self, step: Step) -> None:
        """Record ``step`` as done with its current inputs (it was carried out outside ``run``)."""
        self._record(step, self.fingerprints.digests(step.all_inputs()))
        self.state.save()

    def _record(self, step: Step, inputs: dict) -> None:
        outputs = self.fingerprints.digests(step.outputs)
        missing = [name for name, digest in outputs.items() if digest is None]
        if missing:
            raise ReportError(f"step {step.name} did not write {', '.join(missing)}")
        if step.late_inputs:
            # a step may learn inputs by running (the files its code opened): ask again; a file keeps
            # the digest it had before the run, a value (Fingerprints.add_value) takes its new one
            values = self.fingerprints.values
            inputs = {name: inputs[name] if name in inputs and name not in values else self.fingerprints.digest(name)
                      for name in step.all_inputs()}
        self.state.remember(step.name, step.key, inputs, outputs)

    def status(self) -> list[Outcome]:
        """What a build would do now, without running anything."""
        outcomes: dict[str, Outcome] = {}
        for name in self.order:
            step = self.steps[name]
            inputs = step.all_inputs()
            why = self.reasons(step, self.fingerprints.digests(inputs))
            producers = {self.producer[i] for i in inputs if i in self.producer} - {name}
            stale_upstream = sorted(d for d in producers if outcomes[d].ran)
            if stale_upstream and not why:
                why = [f"may run after {', '.join(stale_upstream)}"]
            outcomes[name] = Outcome(name, bool(why), why)
        return [outcomes[n] for n in self.order]
