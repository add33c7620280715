"""``report archive``: one zip a journal or Zenodo can hold, which rebuilds the paper on its own.

It holds the sources (every tracked file: chapters, data with provenance, analysis, lock file,
manifest, CITATION.cff) and the outputs of a clean, offline render that reproduced the manifest,
plus a README saying how to rebuild and check them. Entries are sorted and carry the PDF timestamp,
so the same sources give the same zip, byte for byte.
"""

from __future__ import annotations

import shutil
import time
import zipfile
from pathlib import Path

from .manifest import MANIFEST_NAME
from .progress import Progress
from .project import Project
from .reproducible import tracked_files
from .verify import verify

README_NAME = "ARCHIVE-README.md"
ZIP_EARLIEST = 315532800  # 1980-01-01: zip cannot store an earlier time

REBUILD = """# {title}: reproducible archive

This archive holds the sources of the paper (chapters, data with provenance, analysis code), the lock file
of its Python environment, and the outputs a clean render produced: {outputs}. `{manifest}` records the
sha256 of every output, every quoted value and the versions of the tools that made them.

## Rebuild and check (Python {python} on Linux; needs only the Python package registry)

```sh
python3 -m venv .venv && . .venv/bin/activate && pip install -r requirements.lock && pip install --no-deps -e .
report verify     # renders the sources in a clean copy, offline, and compares every output with {manifest}
report render     # writes _output/ from the sources (PDF timestamp: the manifest's, {date} UTC)
```

`report verify` exits 0 when every output and value is reproduced byte for byte, and otherwise lists each
difference (and any tool or library version that differs from the manifest's).
"""


def archive_name(project: Project) -> str:
    return f"{project.stem(project.main_inputs[0])}-archive.zip"


def write_archive(project: Project, target: Path | None = None, progress: Progress | None = None) -> Path:
    """Verify the sources against the manifest in a clean copy, then pack sources, outputs and a README."""
    progress = progress or Progress()
    result = verify(project, keep=True, progress=progress)  # raises when the manifest is not reproduced
    copy, manifest = result.copy, result.made
    target = target or project.output_dir / archive_name(project)
    stamp = time.gmtime(max(manifest.source_date_epoch or ZIP_EARLIEST, ZIP_EARLIEST))[:6]
    try:
        entries = {name: project.root / name for name in tracked_files(project.root)}
        entries[MANIFEST_NAME] = project.root / MANIFEST_NAME  # also when not committed yet
        entries.update({name: copy / name for name in manifest.outputs})
        readme = REBUILD.format(title=project.config.get("title", project.root.name), manifest=MANIFEST_NAME,
                                outputs=", ".join(n for n in manifest.outputs if n.startswith(
                                    project.relative(project.output_dir) + "/")),
                                python=manifest.tools.get("python", "3.11"),
                                date=time.strftime("%Y-%m-%d %H:%M", time.gmtime(manifest.source_date_epoch or 0)))
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(target.name + ".partial")
        contents = {name: path.read_bytes() for name, path in entries.items()}
        contents[README_NAME] = readme.encode("utf-8")
        with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as bundle:
            for name in sorted(contents):
                info = zipfile.ZipInfo(name, date_time=stamp)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o644 << 16
                bundle.writestr(info, contents[name])
        partial.replace(target)  # never a half-written archive where a good one stood
    finally:
        shutil.rmtree(copy.parent, ignore_errors=True)
    return target
