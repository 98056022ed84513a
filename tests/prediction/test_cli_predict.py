"""``csimodel predict``: the CLI prints the same metrics as cm.predict_pls."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np

import csimodel as cm
from csimodel import cli

ENV = {**os.environ, "PYTHONPATH": str(Path(cm.__file__).parents[1]), "MPLBACKEND": "Agg"}


def test_predict_json_equals_api(capsys):
    code = cli.main(
        ["predict", "--example", "ecsi", "--folds", "5", "--repeats", "2", "--seed", "3", "--json"]
    )
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    res = cm.PLS().fit(cm.models.ecsi(), cm.datasets.load_ecsi_mobi(), scale=(1, 10))
    pp = cm.predict_pls(res, folds=5, repeats=2, random_state=3)
    got = np.array([out["items"][i]["q2_predict"] for i in pp.items.index])
    np.testing.assert_allclose(got, pp.items["q2_predict"], rtol=0, atol=1e-12)
    assert out["folds"] == 5 and out["repeats"] == 2


def test_predict_text_and_cvpat(capsys):
    code = cli.main(
        ["predict", "--example", "ecsi", "--folds", "5", "--repeats", "1", "--cvpat", "lm"]
    )
    assert code == 0
    text = capsys.readouterr().out
    assert "PLSpredict" in text and "CVPAT" in text


def test_predict_errors_one_line(tmp_path):
    r = subprocess.run(
        [sys.executable, "-m", "csimodel", "predict", "--example", "ecsi", "--folds", "300"],
        capture_output=True,
        text=True,
        env=ENV,
    )
    assert r.returncode == 2
    assert r.stderr.startswith("csimodel: error: The 'folds' parameter of predict_pls")
    r = subprocess.run(
        [sys.executable, "-m", "csimodel", "predict", "--example", "ecsi", "--estimator", "cbsem"],
        capture_output=True,
        text=True,
        env=ENV,
    )
    assert r.returncode == 2 and "needs a PLS model" in r.stderr


def test_report_prediction_section(tmp_path, capsys):
    out = tmp_path / "r.html"
    code = cli.main(
        [
            "predict",
            "--example",
            "ecsi",
            "--folds",
            "5",
            "--repeats",
            "1",
            "--report",
            str(out),
            "--quiet",
        ]
    )
    assert code == 0
    text = out.read_text(encoding="utf-8")
    assert "Prediction (PLSpredict)" in text
    assert "Out-of-sample prediction errors per indicator" in text  # the figure was drawn
    res = cm.PLS().fit(cm.models.ecsi(), cm.datasets.load_ecsi_mobi(), scale=(1, 10))
    plain = res.report(tmp_path / "plain.html").read_text(encoding="utf-8")
    assert "PLSpredict" not in plain  # only when asked
