"""Hostile files on the command line: one line on stderr, exit code 2, no traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import csimodel
from csimodel.cli import main

MODEL = "X =~ x1 + x2\nY =~ y1 + y2\nY ~ X\n"


def good_frame(n: int = 40) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    f = rng.normal(size=(n, 1))
    X = np.hstack([f + rng.normal(size=(n, 2)), 0.6 * f + rng.normal(size=(n, 2))])
    return pd.DataFrame(np.clip(np.round(5 + 2 * X), 1, 10), columns=["x1", "x2", "y1", "y2"])


DATA_FILES = {
    "garbage.csv": lambda: np.random.default_rng(1).bytes(4000),
    "empty.csv": lambda: b"",
    "header_only.csv": lambda: b"x1,x2,y1,y2\n",
    "nul.csv": lambda: b"x1,x2,y1,y2\n\x00\x00\x00\x00\n",
    "utf16.csv": lambda: good_frame().to_csv(index=False).encode("utf-16"),
    "latin1.csv": lambda: good_frame().rename(columns={"x1": "x1é"}).to_csv().encode("latin-1"),
    "ragged.csv": lambda: b"x1,x2,y1,y2\n1,2,3\n1,2,3,4,5,6\n",
    "decimal_comma.csv": lambda: good_frame().add(0.5).to_csv(sep=";", decimal=",").encode(),
    "fake.parquet": lambda: b"not a parquet file",
    "fake.xlsx": lambda: b"PK\x03\x04 not really a zip",
}
MODEL_FILES = {
    "garbage.txt": lambda: np.random.default_rng(2).bytes(500),
    "empty.txt": lambda: b"",
    "latin1.txt": lambda: "X =~ x1 + x2 # qualité\nY =~ y1 + y2\nY ~ X\n".encode("latin-1"),
    "utf16.txt": lambda: MODEL.encode("utf-16"),
    "nul.txt": lambda: b"X =~ x1\x00 + x2\nY =~ y1\nY ~ X\n",
    "pickle.txt": lambda: __import__("pickle").dumps({"model": MODEL}),
}


def run_main(capsys, *args) -> tuple[int, str]:
    code = main(["fit", *args])
    err = capsys.readouterr().err
    return code, err


def one_line_exit_2(code: int, err: str, fragment: str = "") -> None:
    lines = err.strip().splitlines()
    assert code == 2, err
    assert len(lines) == 1 and lines[0].startswith("csimodel: error:"), err
    assert "Traceback" not in err
    assert fragment in lines[0], lines[0]


@pytest.mark.parametrize("name", sorted(DATA_FILES))
def test_hostile_data_files(tmp_path, capsys, monkeypatch, name):
    monkeypatch.chdir(tmp_path)
    Path("m.txt").write_text(MODEL)
    Path(name).write_bytes(DATA_FILES[name]())
    code, err = run_main(capsys, "m.txt", name)
    one_line_exit_2(code, err)


@pytest.mark.parametrize("name", sorted(MODEL_FILES))
def test_hostile_model_files(tmp_path, capsys, monkeypatch, name):
    monkeypatch.chdir(tmp_path)
    good_frame().to_csv("d.csv", index=False)
    Path(name).write_bytes(MODEL_FILES[name]())
    code, err = run_main(capsys, name, "d.csv")
    one_line_exit_2(code, err)


@pytest.mark.parametrize(
    "name, fragment",
    [("empty.csv", "the file is empty"), ("utf16.csv", "save it as UTF-8")],
)
def test_messages_say_what_to_do(tmp_path, capsys, monkeypatch, name, fragment):
    monkeypatch.chdir(tmp_path)
    Path("m.txt").write_text(MODEL)
    Path(name).write_bytes(DATA_FILES[name]())
    one_line_exit_2(*run_main(capsys, "m.txt", name), fragment)


def test_directories_and_missing_files(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("m.txt").write_text(MODEL)
    Path("dir.csv").mkdir()
    one_line_exit_2(*run_main(capsys, "m.txt", "dir.csv"))
    one_line_exit_2(*run_main(capsys, ".", "dir.csv"))
    one_line_exit_2(*run_main(capsys, "m.txt", "nope.csv"), "does not exist")


def test_bom_files_are_read(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("m.txt").write_bytes(MODEL.encode("utf-8-sig"))
    Path("d.csv").write_bytes(good_frame().to_csv(index=False).encode("utf-8-sig"))
    code, err = run_main(capsys, "m.txt", "d.csv")
    assert code == 0, err


def test_garbage_through_a_real_process(tmp_path):
    (tmp_path / "m.txt").write_text(MODEL)
    (tmp_path / "g.csv").write_bytes(DATA_FILES["garbage.csv"]())
    env = {**os.environ, "PYTHONPATH": str(Path(csimodel.__file__).parents[1])}
    r = subprocess.run(
        [sys.executable, "-m", "csimodel.cli", "fit", "m.txt", "g.csv"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
    )
    one_line_exit_2(r.returncode, r.stderr)
    assert r.stdout == ""
