"""The command line degrades gracefully (issue 22): the trips of a new user on the bundled
corporate-reputation survey with the extended model (four formative drivers)."""

import json

import pytest

import csimodel as cm
from csimodel import cli

EXTENDED = """
QUAL <~ qual_1 + qual_2 + qual_3 + qual_4 + qual_5 + qual_6 + qual_7 + qual_8
PERF <~ perf_1 + perf_2 + perf_3 + perf_4 + perf_5
CSOR <~ csor_1 + csor_2 + csor_3 + csor_4 + csor_5
ATTR <~ attr_1 + attr_2 + attr_3
COMP =~ comp_1 + comp_2 + comp_3
LIKE =~ like_1 + like_2 + like_3
CUSA =~ cusa
CUSL =~ cusl_1 + cusl_2 + cusl_3
COMP ~ QUAL + PERF + CSOR + ATTR
LIKE ~ QUAL + PERF + CSOR + ATTR
CUSA ~ COMP + LIKE
CUSL ~ COMP + LIKE + CUSA
"""
FIT = ["fit", "corp.txt", "corp_rep.csv"]
CODES = ["--scale", "1", "7", "--missing-values", "-99", "--missing", "mean"]


@pytest.fixture(scope="module")
def corp_dir(tmp_path_factory):
    d = tmp_path_factory.mktemp("corp")
    (d / "corp.txt").write_text(EXTENDED)
    cm.datasets.load_corp_rep().to_csv(d / "corp_rep.csv", index=False)
    return d


def run(args, cwd, monkeypatch, capsys):
    monkeypatch.chdir(cwd)
    try:
        code = cli.main(list(args))
    except SystemExit as e:
        code = e.code
    out = capsys.readouterr()
    return code, out.out, out.err


def test_no_scale_fit_stops_at_the_suspected_codes(corp_dir, monkeypatch, capsys):
    code, out, err = run(FIT, corp_dir, monkeypatch, capsys)
    assert code == 2 and out == ""
    line = err.strip().splitlines()[-1]
    assert line.startswith("csimodel: error: Suspected no-answer code(s)")
    assert "'cusl_1': -99 in 3 row(s)" in line
    assert "--missing-values CODE" in line and "--suspect-codes ignore" in line
    code, out, err = run(FIT + ["--suspect-codes", "ignore"], corp_dir, monkeypatch, capsys)
    assert code == 0, err
    assert "344 / 344" in out


def test_negative_weight_writes_the_other_outputs_and_exits_2(corp_dir, monkeypatch, capsys):
    for f in ("corp.json", "corp.html"):
        (corp_dir / f).unlink(missing_ok=True)
    args = FIT + CODES + ["--boot", "60", "--seed", "1", "--out", "corp.json"]
    code, out, err = run(args + ["--report", "corp.html"], corp_dir, monkeypatch, capsys)
    assert code == 2, err
    # the fit summary comes first, then the bootstrap table
    assert out.startswith("csimodel PLS results")
    assert "Bootstrap" in out or "bootstrap" in out
    assert not (corp_dir / "corp.json").exists()
    html = (corp_dir / "corp.html").read_text(encoding="utf-8")
    assert "No 0-100 indices: Construct &#x27;QUAL&#x27; has negative index weight" in html
    assert "No importance-performance map for &#x27;CUSL&#x27;" in html
    reason = [ln for ln in err.splitlines() if "error:" in ln]
    assert len(reason) == 1 and "'corp.json' not produced" in reason[0]
    assert "qual_4" in reason[0] and "--negative-weights zero" in reason[0]
    # the machine-readable fit is printed too, and names what is missing
    (corp_dir / "corp.html").unlink()
    code, out, err = run(args + ["--json", "--report", "corp.html"], corp_dir, monkeypatch, capsys)
    assert code == 2
    doc = json.loads(out)
    assert doc["n_used"] == 344 and doc["bootstrap"]["n_boot"] == 60
    assert doc["not_produced"][0]["output"] == "scoring model 'corp.json'"
    assert (corp_dir / "corp.html").exists()


def test_negative_weights_zero_writes_everything(corp_dir, monkeypatch, capsys):
    for f in ("corp.json", "corp.html"):
        (corp_dir / f).unlink(missing_ok=True)
    args = FIT + CODES + ["--out", "corp.json", "--report", "corp.html"]
    code, out, err = run(args + ["--negative-weights", "zero", "-q"], corp_dir, monkeypatch, capsys)
    assert code == 0, err
    sm = cm.load_model(corp_dir / "corp.json")
    assert sm.negative_weights == "zero"
    assert sm.index_weight_table[("QUAL", "qual_4")] == 0
    html = (corp_dir / "corp.html").read_text(encoding="utf-8")
    assert "Indices (0-100)" in html and "No 0-100 indices" not in html
    # scoring with that file: accepted by default and with 'zero', refused with 'error'
    score = ["score", "corp.json", "corp_rep.csv", "--missing-values", "-99", "-q"]
    code, out, err = run(score, corp_dir, monkeypatch, capsys)
    assert code == 0, err
    code, out, err = run(score + ["--negative-weights", "error"], corp_dir, monkeypatch, capsys)
    assert code == 2 and "items qual_4" in err and "--negative-weights zero" in err
    ind = ["indices", "corp.json", "corp_rep.csv", "--missing-values", "-99", "-q"]
    code, out, err = run(ind + ["--negative-weights", "zero"], corp_dir, monkeypatch, capsys)
    assert code == 0, err
    assert "CUSL" in out


def test_ipma_negative_weights(corp_dir, monkeypatch, capsys):
    args = ["ipma", "corp.txt", "corp_rep.csv", *CODES, "--target", "CUSL", "-q"]
    code, out, err = run(args, corp_dir, monkeypatch, capsys)
    assert code == 2 and "qual_4" in err and "--negative-weights zero" in err
    code, out, err = run(
        args + ["--negative-weights", "zero", "--json"], corp_dir, monkeypatch, capsys
    )
    assert code == 0, err
    rows = {r["construct"]: r for r in json.loads(out)}
    assert set(rows) == {"QUAL", "PERF", "CSOR", "ATTR", "COMP", "LIKE", "CUSA"}


def test_a_failing_map_leaves_the_table(corp_dir, monkeypatch, capsys):
    (corp_dir / "map.png").mkdir(exist_ok=True)  # a folder where the map should go
    args = ["ipma", "--example", "ecsi", "--target", "Loyalty", "-o", "t.csv"]
    monkeypatch.setattr(cli, "_check_output", lambda path, what: None)  # the late failure
    code, out, err = run(args + ["--plot", "map.png"], corp_dir, monkeypatch, capsys)
    assert code == 2
    assert "IPMA map 'map.png' not produced" in err
    assert (corp_dir / "t.csv").read_text().startswith("construct,importance")
