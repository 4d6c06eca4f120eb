"""``plugsmith plan import-planexe`` and ``plugsmith plan validate``, in-process and as a subprocess."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from plugsmith.cli import app, main
from test_pipeline_helpers import builtin_home_template, seeded_home  # noqa: F401

DATA = Path(__file__).parent / "data" / "planexe"


def test_import_writes_plan_and_report_beside_it(tmp_path: Path) -> None:
    out = tmp_path / "out" / "solar.json"
    result = CliRunner().invoke(app, ["plan", "import-planexe", str(DATA / "solarfarm"), "-o", str(out)])
    assert result.exit_code == 0, result.output
    plan = json.loads(out.read_text())
    report = json.loads((tmp_path / "out" / "solar.import-report.json").read_text())
    assert len(plan["tasks"]) == 18 and plan["meta"]["import_report"] == report
    # + no risk register, no start; 3 tasks listed in two dependency entries each (all are used)
    assert report["counts"] == {"unmapped": 10, "dropped": 4, "note": 7}
    assert "## Dropped" in (tmp_path / "out" / "solar.import-report.md").read_text()
    assert "18 tasks, 9 phases, 18 dependencies" in result.output and "dropped:" in result.output
    assert not [p for p in (tmp_path / "out").iterdir() if p.name.startswith(".")]  # no temp files left


def test_import_to_stdout_and_yaml(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["plan", "import-planexe", str(DATA / "tv-remote" / "wbs_project.json")])
    assert result.exit_code == 0
    assert json.loads(result.stdout)["title"] == "Find TV Remote"
    out = tmp_path / "tv.yaml"
    result = CliRunner().invoke(app, ["plan", "import-planexe", str(DATA / "tv-remote"), "-o", str(out),
                                      "--json"])
    assert result.exit_code == 0
    assert json.loads(result.stdout)["counts"]["unmapped"] == 3
    assert len(yaml.safe_load(out.read_text())["tasks"]) == 7


def test_import_of_separate_files(tmp_path: Path) -> None:
    files = [str(p) for p in sorted((DATA / "solarfarm").iterdir())]
    out = tmp_path / "p.json"
    result = CliRunner().invoke(app, ["plan", "import-planexe", *files, "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert len(json.loads(out.read_text())["tasks"]) == 18


def test_validate_reads_a_run_directory_and_an_imported_file(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["plan", "validate", str(DATA / "solarfarm"), "--json"])
    assert result.exit_code == 0, result.output
    facts = json.loads(result.stdout)
    assert (facts["ok"], facts["tasks"], facts["dependencies"]) == (True, 18, 18)
    assert facts["import_report"]["counts"]["dropped"] == 4


def run_main(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    with pytest.raises(SystemExit) as info:
        main(argv)
    return int(info.value.code or 0), capsys.readouterr().err


def test_bad_inputs_exit_2_with_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, err = run_main(["plan", "import-planexe", str(tmp_path)], capsys)
    assert code == 2 and err.startswith("error: ") and "no PlanExe work breakdown structure" in err
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"title": "t", "tasks": [{"id": "a", "depends_on": ["a2"]}]}))
    code, err = run_main(["plan", "validate", str(bad)], capsys)
    assert code == 2 and "unknown task id 'a2'" in err
    assert "Traceback" not in err


def test_subprocess_exit_codes(tmp_path: Path) -> None:
    ok = subprocess.run([sys.executable, "-m", "plugsmith", "plan", "validate", str(DATA / "tv-remote")],
                        capture_output=True, text=True, timeout=60)
    assert ok.returncode == 0 and "'Find TV Remote': 7 tasks" in ok.stdout
    missing = subprocess.run([sys.executable, "-m", "plugsmith", "plan", "import-planexe",
                              str(tmp_path / "nope")], capture_output=True, text=True, timeout=60)
    assert missing.returncode == 2 and missing.stderr.count("\n") <= 2 and "no such file" in missing.stderr


SILO = DATA / "runs" / "20250321_silo"
WHOLE = "023-3-wbs_project_level1_and_level2_and_level3.json"


def _run_dir(tmp_path: Path, names: list[str]) -> Path:
    run = tmp_path / "silo"
    run.mkdir()
    for name in names:
        (run / name).write_bytes((SILO / name).read_bytes())
    return run


def test_run_on_a_truncated_file_is_one_line_with_file_and_pointer(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run = _run_dir(tmp_path, [WHOLE, "021-task_dependencies_raw.json"])
    (run / "022-2-task_durations.json").write_text((SILO / "022-2-task_durations.json").read_text()[:5000])
    code, err = run_main(["run", str(run), "--out", str(tmp_path / "out")], capsys)
    assert code == 2 and "Traceback" not in err
    first = err.splitlines()[0]
    assert first == (f"error: {run / '022-2-task_durations.json'}: /9/mitigation_strategy: the file is cut "
                     "short at line 77 column 28")
    assert not (tmp_path / "out" / "001-plan.json").exists()  # refused before any stage ran


def test_import_warns_on_stderr_about_serious_data_problems_and_names_the_tasks(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "silo.json"
    code, err = run_main(["plan", "import-planexe", str(SILO), "-o", str(out)], capsys)
    assert code == 0
    assert [line for line in err.splitlines() if line.startswith("warning: data: ")] == [
        "warning: data: the estimate of 1 task or phase is not usable as given (negative, not a number, or a "
        "range that misses it) and was adjusted: Monitor System Performance"]
    md = (tmp_path / "silo.import-report.md").read_text()
    assert "- Monitor System Performance (`ec82b474-2b75-437b-89e6-e840f614dbd4`): days_realistic -1 is " \
        "negative; 1 day used" in md


def test_a_folder_holding_the_run_directory_names_it(tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    """A run archive unpacks into a folder with the run directory (and macOS's __MACOSX) inside."""
    shutil.copytree(SILO, tmp_path / "archive" / "20250321_silo")
    (tmp_path / "archive" / "__MACOSX" / "20250321_silo").mkdir(parents=True)
    shutil.copy(SILO / WHOLE, tmp_path / "archive" / "__MACOSX" / "20250321_silo" / f"._{WHOLE}")
    code, err = run_main(["run", str(tmp_path / "archive"), "--out", str(tmp_path / "out")], capsys)
    assert code == 2 and "Traceback" not in err
    assert err.splitlines() == [
        f"error: {tmp_path / 'archive'}: no PlanExe work breakdown structure here, but in a directory below "
        "it", f"hint: give the run directory itself: {tmp_path / 'archive' / '20250321_silo'}"]


@pytest.mark.slow
@pytest.mark.usefixtures("seeded_home")
def test_run_without_durations_and_dependencies_completes_and_warns(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run = _run_dir(tmp_path, [WHOLE, "018-3-wbs_level1_project_title.json"])
    code, err = run_main(["run", str(run), "--out", str(tmp_path / "out")], capsys)
    assert code == 0, err
    warnings = [line for line in err.splitlines() if line.startswith("warning: data: ")]
    assert warnings == [
        "warning: data: 2 input files a schedule needs are missing or empty: 022-2-task_durations.json, "
        "021-task_dependencies_raw.json",
        "warning: data: 200 tasks have no duration estimate; PlanExe's minimum of 1 day is used: "
        "Identify Key Stakeholders and Requirements, Define Project Goals and Objectives, "
        "Establish Project Success Criteria and 197 more"]
    md = (tmp_path / "out" / "report.md").read_text()
    quality = md.split("## Data quality")[1].split("\n## ")[0]
    assert "`022-2-task_durations.json`: is missing; no duration estimates" in quality
    assert "`021-task_dependencies_raw.json`: is missing; no dependencies" in quality
    assert "Project duration: 1 day." in md  # every task 1 day, none after another: said, not hidden

    code, err = run_main(["run", str(run), "--out", str(tmp_path / "out"), "--strict"], capsys)
    assert code == 1 and "2 serious data problem(s) in the plan (--strict)" in err


@pytest.mark.usefixtures("seeded_home")
def test_strict_passes_a_plan_without_serious_problems(tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    examples = Path(__file__).resolve().parents[1] / "examples"
    code, err = run_main(["run", str(examples / "product_launch.json"), "--out", str(tmp_path / "out"),
                          "--strict", "--no-synth"], capsys)
    assert code == 0 and "warning: data" not in err
    # the progress lines count against the real total from the first stage on: 5 + 10 capabilities + 2
    assert "stage 001-plan done (1/17)" in err and "stage 017-metrics done (17/17)" in err
