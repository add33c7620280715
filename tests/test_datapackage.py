"""reportkit.datapackage: the project's package validates; each kind of bad input is caught, named and
located, and ``python -m reportkit.datapackage`` exits 5 on it."""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from unittest import mock

import pytest

from reportkit import datapackage
from reportkit.datapackage import REQUIRED_PROVENANCE, check_datapackage, require_valid
from reportkit.errors import DataError, ReportError

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
PACKAGE = DATA / "datapackage.json"


def descriptor(path: Path = PACKAGE) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


# ----------------------------------------------------------------------------- the real package
def test_project_package_validates():
    assert check_datapackage(PACKAGE) == []


def test_checksums_match_files():
    """Independent of reportkit: every declared sha256 and size equals the file's."""
    for res in descriptor()["resources"]:
        for entry in [res, *res.get("originals", [])]:
            data = (DATA / entry["path"]).read_bytes()
            assert entry["hash"] == "sha256:" + hashlib.sha256(data).hexdigest(), entry["path"]
            assert entry["bytes"] == len(data), entry["path"]


def test_every_resource_has_complete_provenance():
    for res in descriptor()["resources"]:
        for key in REQUIRED_PROVENANCE:
            assert res.get(key), f"{res['name']}: {key}"
        for src in res["sources"]:
            assert src.get("title") and src.get("path"), res["name"]
        for lic in res["licenses"]:
            assert lic.get("name") or lic.get("path"), res["name"]


def test_every_resource_has_schema_with_primary_key_and_missing_markers():
    for res in descriptor()["resources"]:
        schema = res["schema"]
        assert schema["primaryKey"], res["name"]
        assert schema["missingValues"] == [""], res["name"]
        for field in schema["fields"]:
            if field["name"].endswith("iso3"):
                assert any(fk["fields"] == [field["name"]] and fk["reference"]["resource"] == "countries"
                           for fk in schema["foreignKeys"]) or res["name"] == "countries", field["name"]


def test_coded_tables_of_the_other_developer_are_resources():
    paths = {r["path"] for r in descriptor()["resources"]}
    assert {"policy/concept_2023_2027_measures.csv", "missions/mission_diaspora_work.csv"} <= paths


def test_every_file_under_original_is_listed():
    """A file in data/original/ is an `originals` entry of a resource (a file no build reads says its `role`)
    or a folder's SOURCE.md; nothing lies there unaccounted for."""
    listed, roles = set(), {}
    for res in descriptor()["resources"]:
        for entry in [*res.get("originals", []), *res.get("sources", [])]:
            listed.add(entry.get("path", ""))
            roles[entry.get("path", "")] = entry.get("role")
    present = {str(p.relative_to(DATA)) for p in (DATA / "original").rglob("*") if p.is_file()}
    unlisted = sorted(p for p in present - listed if Path(p).name != "SOURCE.md")
    assert not unlisted, f"files under data/original/ that no resource lists: {unlisted}"
    assert all(role is None or role.strip() for role in roles.values())


def test_originals_kept_are_small():
    for res in descriptor()["resources"]:
        for orig in res.get("originals", []):
            assert orig["bytes"] < 5 * 1024 * 1024


# ----------------------------------------------------------------------------- bad copies
@pytest.fixture
def pkg(tmp_path, monkeypatch) -> Path:
    """A copy of data/ in tmp_path/data; cwd = tmp_path so messages read data/<file>:<line>."""
    shutil.copytree(DATA, tmp_path / "data", ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.chdir(tmp_path)
    return tmp_path / "data" / "datapackage.json"


def rehash(pkg: Path, name: str) -> None:
    """Record the current file's sha256 and size, so only the intended defect remains."""
    desc = descriptor(pkg)
    res = next(r for r in desc["resources"] if r["name"] == name)
    data = (pkg.parent / res["path"]).read_bytes()
    res["hash"], res["bytes"] = "sha256:" + hashlib.sha256(data).hexdigest(), len(data)
    pkg.write_text(json.dumps(desc, indent=2), encoding="utf-8")


def edit_line(pkg: Path, rel: str, line: int, old: str, new: str, name: str | None = None) -> None:
    file = pkg.parent / rel
    lines = file.read_text(encoding="utf-8").split("\n")
    assert old in lines[line - 1], lines[line - 1]
    lines[line - 1] = lines[line - 1].replace(old, new, 1)
    file.write_text("\n".join(lines), encoding="utf-8")
    if name:
        rehash(pkg, name)


def run_cli(pkg: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src") + os.pathsep + os.environ.get("PYTHONPATH", ""))
    return subprocess.run([sys.executable, "-m", "reportkit.datapackage", str(pkg)], capture_output=True,
                          text=True, env=env, cwd=pkg.parent.parent)


def only(problems, rule):
    assert problems, "expected a problem"
    assert [p.rule for p in problems] == [rule] * len(problems), [str(p) for p in problems]
    return problems[0]


CLI_RUNS: dict[Path, tuple[int, str]] = {}


def validate(pkg: Path) -> list:
    """Run the command-line check once, in-process (``python -m`` itself is tested below), and return the
    problems it found; its exit code and what it printed are kept for ``assert_cli_fails``."""
    found = []
    real = datapackage.check_datapackage

    def spy(path, *args):
        found.extend(real(path, *args))
        return found

    stderr = io.StringIO()
    with mock.patch.object(datapackage, "check_datapackage", spy), contextlib.redirect_stderr(stderr), \
            contextlib.redirect_stdout(io.StringIO()):
        code = datapackage.main([str(pkg)])
    CLI_RUNS[pkg] = (code, stderr.getvalue())
    return found


def assert_cli_fails(pkg: Path, text: str) -> None:
    """What the command line did in the last ``validate(pkg)``: exit 5 and ``text`` printed."""
    code, stderr = CLI_RUNS.pop(pkg)
    assert code == 5, stderr
    assert text in stderr, stderr
    assert "stopping before any analysis runs" in stderr


def test_cli_exits_0_on_valid_copy(pkg):
    proc = run_cli(pkg)
    assert proc.returncode == 0, proc.stderr
    assert "valid" in proc.stdout


def test_wrong_checksum(pkg):
    file = pkg.parent / "population_wb.csv"
    lines = file.read_text(encoding="utf-8").split("\n")
    last = lines[11][-1]
    lines[11] = lines[11][:-1] + ("1" if last != "1" else "2")
    file.write_text("\n".join(lines), encoding="utf-8")
    p = only(validate(pkg), "data.checksum")
    assert p.location.point() == "data/population_wb.csv"
    assert "sha256 is" in p.message and "declares" in p.message
    assert_cli_fails(pkg, "data/population_wb.csv: resource 'population_wb': sha256 is")


def test_missing_column(pkg):
    file = pkg.parent / "population_wb.csv"
    rows = [line.rsplit(",", 1)[0] for line in file.read_text(encoding="utf-8").splitlines()]
    file.write_text("\n".join(rows) + "\n", encoding="utf-8")
    rehash(pkg, "population_wb")
    p = only(validate(pkg), "data.missing-column")
    assert str(p) == ("data/population_wb.csv:1: column 'population' required by the schema is missing from the "
                      "header [data.missing-column]")
    assert_cli_fails(pkg, "column 'population' required by the schema is missing")


def test_wrong_type(pkg):
    edit_line(pkg, "population_wb.csv", 7, ",196", ",19x", "population_wb")
    p = only(validate(pkg), "data.type")
    assert p.location.point() == "data/population_wb.csv:7"
    assert p.message.startswith("column 'year': '19x") and p.message.endswith("is not a valid integer")
    assert_cli_fails(pkg, "data/population_wb.csv:7: column 'year': '19x")


def test_negative_count(pkg):
    file = pkg.parent / "population_wb.csv"
    lines = file.read_text(encoding="utf-8").split("\n")
    lines[11] = lines[11].rsplit(",", 1)[0] + ",-5"
    file.write_text("\n".join(lines), encoding="utf-8")
    rehash(pkg, "population_wb")
    problems = validate(pkg)
    assert [str(p) for p in problems] == [
        "data/population_wb.csv:12: column 'population': -5 violates minimum 0 [data.constraint]"]
    assert_cli_fails(pkg, "data/population_wb.csv:12: column 'population': -5 violates minimum 0 [data.constraint]")


def test_duplicate_key(pkg):
    file = pkg.parent / "population_wb.csv"
    lines = file.read_text(encoding="utf-8").split("\n")
    lines.insert(3, lines[1])  # line 2 repeated as line 4
    file.write_text("\n".join(lines), encoding="utf-8")
    rehash(pkg, "population_wb")
    p = only(validate(pkg), "data.duplicate-key")
    assert p.location.point() == "data/population_wb.csv:4"
    assert "duplicate key (country_iso3, year) = (KAZ, 1960)" in p.message and "line 2" in p.message
    assert_cli_fails(pkg, "data/population_wb.csv:4: duplicate key (country_iso3, year) = (KAZ, 1960)")


def test_unknown_country_code(pkg):
    edit_line(pkg, "population_wb.csv", 5, "KAZ,", "KZX,", "population_wb")
    p = only(validate(pkg), "data.foreign-key")
    assert str(p) == "data/population_wb.csv:5: column 'country_iso3': 'KZX' not found in countries.iso3 " \
                     "[data.foreign-key]"
    assert_cli_fails(pkg, "column 'country_iso3': 'KZX' not found in countries.iso3")


def test_unknown_country_code_in_page_transcribed_table(pkg):
    edit_line(pkg, "ethnic_composition.csv", 2, "UZB,", "UZX,", "ethnic_composition")
    p = only(validate(pkg), "data.foreign-key")
    assert p.location.point() == "data/ethnic_composition.csv:2"


@pytest.mark.parametrize("key", ["vintage", "retrieved", "licenses", "caveats"])
def test_missing_provenance_field(pkg, key):
    desc = descriptor(pkg)
    res = next(r for r in desc["resources"] if r["name"] == "remittances_wdi")
    del res[key]
    pkg.write_text(json.dumps(desc, indent=2), encoding="utf-8")
    p = only(validate(pkg), "data.provenance")
    assert p.message == f"resource 'remittances_wdi': provenance field '{key}' is missing"
    assert p.location.file == "data/datapackage.json" and p.location.line is not None
    assert_cli_fails(pkg, f"resource 'remittances_wdi': provenance field '{key}' is missing [data.provenance]")


def test_empty_provenance_value_and_source_without_url(pkg):
    desc = descriptor(pkg)
    res = next(r for r in desc["resources"] if r["name"] == "population_wb")
    res["publisher"] = " "
    res["sources"][0].pop("path")
    pkg.write_text(json.dumps(desc, indent=2), encoding="utf-8")
    msgs = [p.message for p in only_all(validate(pkg), "data.provenance")]
    assert "resource 'population_wb': provenance field 'publisher' is empty" in msgs
    assert any("sources[0] needs a 'title' and a 'path'" in m for m in msgs)


def only_all(problems, rule):
    assert problems and all(p.rule == rule for p in problems), [str(p) for p in problems]
    return problems


def test_non_utf8_file(pkg):
    file = pkg.parent / "ethnic_composition.csv"
    data = file.read_bytes().split(b"\n")
    data[3] = data[3].replace(b"census", "c\u00e9nsus".encode("latin-1"), 1)
    file.write_bytes(b"\n".join(data))
    rehash(pkg, "ethnic_composition")
    p = only(validate(pkg), "data.encoding")
    assert p.location.point() == "data/ethnic_composition.csv:4"
    assert "not valid UTF-8: byte 0xe9" in p.message
    assert_cli_fails(pkg, "data/ethnic_composition.csv:4: not valid UTF-8: byte 0xe9")


def test_empty_file(pkg):
    (pkg.parent / "kandas_origin_shares.csv").write_bytes(b"")
    rehash(pkg, "kandas_origin_shares")
    p = only(validate(pkg), "data.empty")
    assert str(p).startswith("data/kandas_origin_shares.csv: resource 'kandas_origin_shares': file is empty")
    assert_cli_fails(pkg, "data/kandas_origin_shares.csv: resource 'kandas_origin_shares': file is empty")


def test_missing_file(pkg):
    (pkg.parent / "remittances_wdi_2023_05.csv").unlink()
    p = only(validate(pkg), "data.missing-file")
    assert p.location.point() == "data/remittances_wdi_2023_05.csv"


def test_changed_original_is_caught(pkg):
    orig = pkg.parent / "original" / "page-extracts" / "kandas_repatriation.csv"
    orig.chmod(0o644)
    orig.write_text(orig.read_text(encoding="utf-8").replace("952882", "952883", 1), encoding="utf-8")
    problems = only_all(validate(pkg), "data.checksum")
    assert {p.location.point() for p in problems} == {"data/original/page-extracts/kandas_repatriation.csv"}


def test_enum_and_share_range(pkg):
    edit_line(pkg, "kandas_origin_shares.csv", 2, ",corroborates,", ",maybe,", None)
    file = pkg.parent / "kandas_origin_shares.csv"
    lines = file.read_text(encoding="utf-8").split("\n")
    parts = lines[2].split(",")
    parts[3] = "130.5"
    lines[2] = ",".join(parts)
    file.write_text("\n".join(lines), encoding="utf-8")
    rehash(pkg, "kandas_origin_shares")
    msgs = [str(p) for p in only_all(validate(pkg), "data.constraint")]
    assert any(m.startswith("data/kandas_origin_shares.csv:2: column 'status': 'maybe' violates enum") for m in msgs)
    assert "data/kandas_origin_shares.csv:3: column 'share_pct': 130.5 violates maximum 100 [data.constraint]" in msgs


def test_invalid_descriptor_json(pkg):
    pkg.write_text('{"resources": [', encoding="utf-8")
    p = only(validate(pkg), "data.descriptor")
    assert p.message.startswith("invalid JSON")
    assert_cli_fails(pkg, "invalid JSON")


def test_require_valid_raises_data_error(pkg):
    (pkg.parent / "countries.csv").write_bytes(b"")
    rehash(pkg, "countries")
    with pytest.raises(DataError) as info:
        require_valid(pkg)
    assert isinstance(info.value, ReportError) and info.value.exit_code == 5
    assert "countries.csv" in str(info.value)
    require_valid(PACKAGE)  # the real one passes
