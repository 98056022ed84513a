"""Access to reference files in tests/data (published tables and peer-package output)."""

from __future__ import annotations

import json
from pathlib import Path

DATA = Path(__file__).parent / "data"


def load_reference(name: str) -> dict:
    """A reference JSON from tests/data; each file names its source and settings."""
    return json.loads((DATA / name).read_text(encoding="utf-8"))


#: The plspm "satisfaction" model (all blocks mode A), as used in plspm's and seminr's
#: examples; shared by tests that fit it.
SATISFACTION_MODEL = """
IMAG =~ imag1 + imag2 + imag3 + imag4 + imag5
EXPE =~ expe1 + expe2 + expe3 + expe4 + expe5
QUAL =~ qual1 + qual2 + qual3 + qual4 + qual5
VAL  =~ val1 + val2 + val3 + val4
SAT  =~ sat1 + sat2 + sat3 + sat4
LOY  =~ loy1 + loy2 + loy3 + loy4
EXPE ~ IMAG
QUAL ~ EXPE
VAL  ~ EXPE + QUAL
SAT  ~ IMAG + EXPE + QUAL + VAL
LOY  ~ IMAG + SAT
"""


def satisfaction_model(modes: dict | None = None):
    """The satisfaction model as a ``cm.Model``; ``modes`` maps constructs to 'B' (composite)."""
    import re

    import csimodel as cm

    text = SATISFACTION_MODEL
    for c, mode in (modes or {}).items():
        if mode == "B":
            text = re.sub(rf"^({c}\s*)=~", r"\1<~", text, flags=re.M)
    return cm.Model(text)


# csimodel fit-index name -> lavaan fitMeasures() name (references in lavaan_*.json)
LAVAAN_FIT_KEYS = {
    "chisq": "chisq",
    "df": "df",
    "cfi": "cfi",
    "tli": "tli",
    "rmsea": "rmsea",
    "rmsea_ci_lower": "rmsea.ci.lower",
    "rmsea_ci_upper": "rmsea.ci.upper",
    "srmr": "srmr",
    "aic": "aic",
    "bic": "bic",
    "baseline_chisq": "baseline.chisq",
    "baseline_df": "baseline.df",
    "loglik": "logl",
    "unrestricted_loglik": "unrestricted.logl",
    "npar": "npar",
}


def ordinal_satisfaction():
    """The satisfaction items recoded to five ordered categories (x <= 5 -> 1, 6 -> 2,
    7 -> 3, 8 -> 4, x >= 9 -> 5), as in tests/data/scripts/make_lavaan_robust_refs.R."""
    import numpy as np
    import pandas as pd

    import csimodel as cm

    d = cm.datasets.load_satisfaction()
    items = [c for c in d.columns if c != "gender"]
    x = d[items]
    y = np.select([x <= 5, x == 6, x == 7, x == 8], [1, 2, 3, 4], 5)
    return pd.DataFrame(y, columns=items, index=d.index)
