"""`csimodel track` and the tracker section of the HTML report."""

from __future__ import annotations

import numpy as np
import pandas as pd

import csimodel as cm
from csimodel.cli import main

MODEL = """Image =~ IMAG1 + IMAG2 + IMAG3
Satisfaction =~ CUSA1 + CUSA2 + CUSA3
Loyalty =~ CUSL1 + CUSL2 + CUSL3
Satisfaction ~ Image
Loyalty ~ Satisfaction + Image
"""


def _files(tmp_path, ecsi):
    rng = np.random.default_rng(0)
    d = ecsi.assign(company=rng.choice(["A", "B"], len(ecsi)), wave=rng.choice([1, 2], len(ecsi)))
    d.to_csv(tmp_path / "s.csv", index=False)
    (tmp_path / "m.txt").write_text(MODEL, encoding="utf-8")
    return d


def test_cli_track_table_and_report(tmp_path, ecsi, capsys):
    d = _files(tmp_path, ecsi)
    out, rep = tmp_path / "t.csv", tmp_path / "r.html"
    rc = main(
        [
            "track", str(tmp_path / "m.txt"), str(tmp_path / "s.csv"), "--unit", "company",
            "--wave", "wave", "--scale", "1", "10", "--boot", "99", "--seed", "3",
            "-o", str(out), "--report", str(rep),
        ]
    )  # fmt: skip
    assert rc == 0
    t = pd.read_csv(out)
    assert list(t.columns) == [
        "unit", "wave", "construct", "index", "ci_lower", "ci_upper", "n", "change",
        "p_change", "vs_all", "p_vs_all",
    ]  # fmt: skip
    tr = cm.track(MODEL, d, unit="company", wave="wave", scale=(1, 10), n_boot=99, random_state=3)
    np.testing.assert_allclose(t["index"], tr.table["index"], atol=1e-9)
    np.testing.assert_allclose(t["p_change"], tr.table["p_change"], atol=1e-12)
    html = rep.read_text(encoding="utf-8")
    assert "Tracker: units and waves" in html and "Loyalty index by wave" in html


def test_cli_track_errors(tmp_path, ecsi, capsys):
    _files(tmp_path, ecsi)
    args = ["track", str(tmp_path / "m.txt"), str(tmp_path / "s.csv"), "--unit", "firm"]
    assert main([*args, "--wave", "wave", "--scale", "1", "10"]) == 2
    assert "column 'firm'" in capsys.readouterr().err
    args[-1] = "company"
    assert main([*args, "--wave", "wave"]) == 2
    assert "--scale" in capsys.readouterr().err


def test_cli_track_weights_and_nps(tmp_path, ecsi):
    d = _files(tmp_path, ecsi)
    rng = np.random.default_rng(1)
    d = d.assign(rec=rng.integers(0, 11, len(d)), wt=rng.integers(1, 4, len(d)))
    d.to_csv(tmp_path / "s.csv", index=False)
    out = tmp_path / "t.csv"
    rc = main(
        [
            "track", str(tmp_path / "m.txt"), str(tmp_path / "s.csv"), "--unit", "company",
            "--wave", "wave", "--scale", "1", "10", "--boot", "49", "--seed", "2",
            "--weights", "wt", "--nps-item", "rec", "-o", str(out), "--quiet",
        ]
    )  # fmt: skip
    assert rc == 0
    t = pd.read_csv(out)
    tr = cm.track(
        MODEL, d, unit="company", wave="wave", scale=(1, 10), n_boot=49, random_state=2,
        weights="wt", nps_item="rec",
    )  # fmt: skip
    assert (t["construct"] == "NPS").sum() == 4
    np.testing.assert_allclose(t["index"], tr.table["index"], atol=1e-9)
    np.testing.assert_allclose(t["p_vs_all"], tr.table["p_vs_all"], atol=1e-12)
