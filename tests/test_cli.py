"""The command line, through a real subprocess."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

import csimodel

# make the package importable in the child even when it runs from a source tree
ENV = {**os.environ, "PYTHONPATH": str(Path(csimodel.__file__).parents[1])}


def run(*args, cwd=None):
    return subprocess.run(
        [sys.executable, "-m", "csimodel.cli", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=ENV,
    )


def test_fit_example_ecsi():
    r = run("fit", "--example", "ecsi")
    assert r.returncode == 0, r.stderr
    assert "250 / 250" in r.stdout and "Satisfaction -> Loyalty" in r.stdout


def test_fit_user_files(tmp_path):
    import csimodel as cm

    cm.datasets.load_ecsi_mobi().to_csv(tmp_path / "d.csv", index=False)
    (tmp_path / "m.txt").write_text(
        "Sat =~ CUSA1 + CUSA2 + CUSA3\nLoy =~ CUSL1 + CUSL3\nLoy ~ Sat\n"
    )
    r = run("fit", "m.txt", "d.csv", "--scale", "1", "10", "--scheme", "factorial", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "Sat -> Loy" in r.stdout


@pytest.mark.parametrize(
    "files, fragment",
    [
        ({"m.txt": "Sat =~ CUSA1 +\n", "d.csv": "CUSA1\n1\n"}, "Expected a name"),
        ({"m.txt": "S =~ x1\nL =~ y1\nL ~ S\n", "d.csv": "x1,z\n1,2\n2,3\n3,1\n"}, "'y1'"),
        ({"m.txt": "S =~ x1\nL =~ y1\nL ~ S\n", "d.csv": "x1,y1\n1,2\n2,30\n3,1\n"}, "outside"),
    ],
)
def test_user_errors_are_one_line_exit_2(tmp_path, files, fragment):
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    r = run("fit", "m.txt", "d.csv", "--scale", "1", "10", cwd=tmp_path)
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("csimodel: error:")
    assert fragment in lines[0]
    assert "Traceback" not in r.stderr


def test_missing_file_and_help(tmp_path):
    r = run("fit", "nope.txt", "nope.csv", cwd=tmp_path)
    assert r.returncode == 2 and "does not exist" in r.stderr
    h = run("fit", "--help")
    assert h.returncode == 0 and "csimodel fit --example ecsi" in h.stdout
