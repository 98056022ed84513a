"""The README's Python quick-start blocks run as written (in one namespace, in order)."""

import re
import warnings
from pathlib import Path

import pytest

README = Path(__file__).parents[1] / "README.md"


def test_readme_python_blocks_run(tmp_path, monkeypatch):
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
    assert len(blocks) >= 3
    monkeypatch.chdir(tmp_path)  # the README saves ecsi.json in the working directory
    namespace: dict = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # DataWarning for -99 imputation, CB-SEM notes
        for code in blocks:
            exec(compile(code, str(README), "exec"), namespace)  # noqa: S102
    assert namespace["res"].n_used == 344
    assert (tmp_path / "ecsi.json").exists()
    import matplotlib.pyplot as plt

    plt.close("all")
