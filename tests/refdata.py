"""Access to reference files in tests/data (published tables and peer-package output)."""

from __future__ import annotations

import json
from pathlib import Path

DATA = Path(__file__).parent / "data"


def load_reference(name: str) -> dict:
    """A reference JSON from tests/data; each file names its source and settings."""
    return json.loads((DATA / name).read_text(encoding="utf-8"))
