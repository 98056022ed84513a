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
