"""The HTML report: one self-contained file with counts, settings, tables and images."""

import base64
import re

import matplotlib
import numpy as np
import pytest

import csimodel as cm
from csimodel.report import render_report, write_report

matplotlib.use("Agg")


@pytest.fixture(scope="module")
def res():
    return cm.PLS(scheme="factorial").fit(
        cm.models.ecsi(), cm.datasets.load_ecsi_mobi(), scale=(1, 10)
    )


def test_report_is_self_contained(res, tmp_path):
    out = res.report(tmp_path / "r.html")
    text = out.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>") and text.rstrip().endswith("</html>")
    # nothing fetched from elsewhere: no external scripts, styles or images
    assert not re.search(r"""(src|href)\s*=\s*['"](https?:|//|file:)""", text)
    assert "<script" not in text
    assert f"csimodel {cm.__version__}" in text
    assert "250 / 250" in text
    assert (
        "scheme</th><td>&#x27;factorial&#x27;" in text and "1 to 10" in text and "listwise" in text
    )
    assert "Path coefficients" in text and "Reliability" in text  # estimates + assessment
    for c in res.model.constructs:
        assert c in text


def test_report_counts_excluded_rows(tmp_path):
    data = cm.datasets.load_ecsi_mobi()
    data.loc[[3, 10, 11], "CUSA1"] = np.nan
    with pytest.warns(cm.DataWarning):
        res = cm.PLS().fit(cm.models.ecsi(), data, scale=(1, 10))
    text = write_report(res, tmp_path / "r.html").read_text(encoding="utf-8")
    assert "247 / 250" in text
    assert "Rows excluded</th><td>3<" in text


def test_figures_are_embedded_png(res):
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    ax.plot([0, 1], [0, 1])
    text = render_report(res, figures={"My figure": fig}, auto_figures=False)
    plt.close(fig)
    m = re.search(r"data:image/png;base64,([A-Za-z0-9+/=]+)", text)
    assert m is not None
    assert base64.b64decode(m.group(1))[:8] == b"\x89PNG\r\n\x1a\n"
    assert "My figure" in text


def test_no_figures_no_figure_section(res):
    text = render_report(res, auto_figures=False, assessment=False)
    assert "Figures" not in text and "Reliability" not in text


def test_bad_figure_is_a_clear_error(res):
    with pytest.raises(TypeError, match="cannot embed"):
        render_report(res, figures={"x": 3}, auto_figures=False)
    with pytest.raises(ValueError, match="PNG"):
        render_report(res, figures={"x": b"GIF89a..."}, auto_figures=False)


def test_text_is_escaped(res):
    text = render_report(res, title="<b>Q3 & Q4</b>", auto_figures=False, assessment=False)
    assert "&lt;b&gt;Q3 &amp; Q4&lt;/b&gt;" in text


@pytest.mark.skipif(not hasattr(cm, "ipma"), reason="cm.ipma not in this version")
def test_auto_ipma_uses_the_single_final_construct(res):
    text = render_report(res, auto_figures=False, assessment=False)
    assert "IPMA of Loyalty" in text
    assert "IPMA of" not in render_report(
        res, ipma_target=None, auto_figures=False, assessment=False
    )


@pytest.mark.skipif(not hasattr(cm, "ipma"), reason="cm.ipma not in this version")
def test_auto_ipma_skipped_without_a_declared_scale():
    res = cm.PLS().fit(cm.models.ecsi(), cm.datasets.load_ecsi_mobi())
    text = render_report(res, auto_figures=False, assessment=False)
    assert "IPMA of" not in text and "250 / 250" in text
