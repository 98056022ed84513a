"""Every script in examples/ runs without error (in a subprocess, as a user would run it)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

import csimodel

EXAMPLES = sorted((Path(__file__).parents[1] / "examples").glob("*.py"))
ENV = {**os.environ, "PYTHONPATH": str(Path(csimodel.__file__).parents[1]), "MPLBACKEND": "Agg"}


@pytest.mark.parametrize("script", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_example_runs(script, tmp_path):
    r = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, cwd=tmp_path, env=ENV
    )
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip()


def test_tenenhaus_example_reports_small_difference():
    script = next(p for p in EXAMPLES if p.name == "reproduce_tenenhaus2005.py")
    r = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, env=ENV)
    worst = float(r.stdout.strip().splitlines()[-1].split(":")[1].split()[0])
    assert worst <= 6e-4
