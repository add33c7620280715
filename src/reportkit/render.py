"""``report render``: bring a project's outputs up to date (data check, project steps, documents)."""

from __future__ import annotations

from pathlib import Path

from .engines import select_engine
from .engines.base import Engine
from .engines.partserver import PartServer
from .plan import build_graph
from .prerender import run_pre_render
from .progress import Progress
from .project import Project, output_name
from .steps import settings as steps_settings


def render(project: Project, formats: tuple[str, ...], engine_name: str = "auto", strict: bool = True,
           progress: Progress | None = None, pre_render: bool = True, explain: bool = False,
           jobs: int = 2, engine: Engine | None = None, whole: bool = False, parts: PartServer | None = None
           ) -> list[Path]:
    """Run every stale step of the project's build graph (see plan.py); returns the final outputs.
    ``engine``: an engine kept between renders (a preview's), instead of a fresh one named by ``engine_name``
    (``whole``: one that renders each document whole, not splicing an edited chapter: engines/incremental.py;
    ``parts``: its part server, started already: engines/prestart.py), which is prepared for the render
    (``Engine.prepare``) and closed after it."""
    progress = progress or Progress()
    if engine is None:
        engine = select_engine(engine_name, splice=not whole, parts=parts)
        try:
            engine.prepare(project)
            return render(project, formats, engine_name, strict, progress, pre_render, explain, jobs, engine)
        finally:
            engine.close()
    progress.info(f"Rendering {', '.join(formats)} with the {engine.name} engine into {project.relative(project.output_dir)}/")
    if pre_render and engine.name == "builtin" and project.project_settings.get("pre-render") and not steps_settings(project):
        run_pre_render(project, progress)  # undeclared steps: run them every time, as Quarto does
        project = project.reload()
    graph = build_graph(project, formats, engine, strict, progress, pre_render, jobs, run=True)
    try:
        outcomes = graph.run(progress, explain)
    except KeyboardInterrupt:
        graph.close(interrupted=True)
        raise
    finally:
        graph.close()
    outputs = [project.output_dir / output_name(project.stem(m), fmt) for m in project.main_inputs for fmt in formats]
    for path in outputs:
        progress.result(f"{'wrote' if any(o.ran for o in outcomes) else 'unchanged'} {project.relative(path)}")
    return outputs
