"""``csimodel fimix``: output agrees with cm.fimix; bad options are one-line errors (exit 2)."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from refdata import SATISFACTION_MODEL

import csimodel as cm
from csimodel._cli_fimix import parse_k
from csimodel.cli import main


def run(argv, capsys):
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_json_matches_the_library(capsys, tmp_path):
    member = tmp_path / "seg.csv"
    argv = ["fimix", "--example", "ecsi", "--k", "1-3", "--starts", "4", "--seed", "3"]
    code, out, err = run([*argv, "--json", "--membership", str(member)], capsys)
    assert code == 0, err
    doc = json.loads(out)
    res = cm.PLS().fit(cm.models.ecsi(), cm.datasets.load_ecsi_mobi(), scale=(1, 10))
    sel = cm.fimix(res, k=range(1, 4), starts=4, random_state=3)
    assert [r["k"] for r in doc["criteria"]] == [1, 2, 3]
    for row in doc["criteria"]:
        assert row["aic3"] == pytest.approx(sel.criteria.loc[row["k"], "aic3"], rel=1e-12)
    best = sel.best("aic3")
    assert doc["chosen"]["k"] == best.k and doc["criterion"] == "aic3"
    table = pd.read_csv(member, index_col=0)
    assert (table["segment"].to_numpy() == best.membership.to_numpy()).all()
    assert table.filter(like="p_segment_").sum(axis=1).round(10).eq(1).all()


def test_text_explain_and_plot(capsys, tmp_path):
    data = cm.datasets.load_satisfaction()
    (tmp_path / "m.txt").write_text(SATISFACTION_MODEL)
    data.to_csv(tmp_path / "d.csv", index=False)
    png, html = tmp_path / "crit.png", tmp_path / "r.html"
    argv = ["fimix", str(tmp_path / "m.txt"), str(tmp_path / "d.csv"), "--k", "1-2"]
    argv += ["--seed", "1", "--starts", "3", "--explain", "gender", "--plot", str(png)]
    code, out, err = run([*argv, "--criterion", "caic", "--report", str(html)], capsys)
    assert code == 0, err
    assert "Chosen by caic" in out and "gender by segment" in out
    assert png.stat().st_size > 1000
    page = html.read_text(encoding="utf-8")
    assert "Latent segments: number of segments" in page and "data:image/png" in page


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--k", "0"], "--k must be at least 1"),
        (["--k", "a-b"], "--k must be a number of segments"),
        (["--k", "2", "--plot", "x.png"], "--plot draws the criteria over several k"),
        (["--k", "2", "--explain", "nope"], "--explain column(s) nope"),
        (["--k", "2", "--starts", "0"], "'starts' parameter of fimix"),
    ],
)
def test_errors(capsys, extra, message, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, err = run(["fimix", "--example", "ecsi", *extra], capsys)
    assert code == 2
    assert message in err and err.count("\n") == 1


def test_parse_k():
    assert parse_k("3") == [3]
    assert parse_k("1-4") == [1, 2, 3, 4]
    assert parse_k("1,2,5") == [1, 2, 5]
