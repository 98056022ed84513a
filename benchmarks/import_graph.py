"""Count import arrows between the layers of the import contract (run by hand).

Usage: ``python benchmarks/import_graph.py [SRC]`` (default: ``src`` of this checkout). Prints
the number of arrows between layers, how many point upward, and each upward arrow (all of
them should be the lazy convenience imports listed in pyproject.toml's ``ignore_imports``).
Module-level and function-level imports are both counted (grimp, import-linter's graph).
"""

from __future__ import annotations

import collections
import sys
from pathlib import Path

import grimp

LAYERS = [
    ("cli", ["cli", "_cli_fimix", "_cli_predict", "_cli_scoring", "_cli_track", "__main__"]),
    ("presentation/io", ["report", "plotting", "io"]),
    ("programme", ["segments", "survey"]),
    (
        "consumers",
        [
            "inference",
            "assessment",
            "ipa",
            "scoring",
            "prediction",
            "distributed.scoring",
            "distributed.bootstrap",
        ],
    ),
    ("estimators", ["estimators"]),
    ("results", ["results", "cbsem_results"]),
    ("layout/numeric", ["layout", "numeric"]),
    (
        "door/spec",
        ["data", "_suspect", "summary_data", "distributed.door", "moments", "models", "spec"],
    ),
    ("base", ["_frozen", "_validation", "_version", "exceptions", "datasets"]),
]


def layer(module: str) -> int | None:
    rest = module.split(".", 1)[1] if "." in module else ""
    for k, (_, mods) in enumerate(LAYERS):
        if any(rest == m or rest.startswith(m + ".") for m in mods):
            return k
    return None


def main() -> None:
    src = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).parents[1] / "src"
    sys.path.insert(0, str(src))
    graph = grimp.build_graph("csimodel", cache_dir=None)
    count: collections.Counter[tuple[int, int]] = collections.Counter()
    upward = []
    for a in graph.modules:
        for b in graph.find_modules_directly_imported_by(a):
            la, lb = layer(a), layer(b)
            if la is None or lb is None or la == lb:
                continue
            count[(la, lb)] += 1
            if lb < la:
                upward.append((a, b))
    internals = sorted(
        (a, b)
        for a in graph.modules
        if not a.startswith("csimodel.estimators")
        for b in graph.find_modules_directly_imported_by(a)
        if b.startswith("csimodel.estimators.") and b.rsplit(".", 1)[1].startswith(("_", "base"))
    )
    print(f"arrows between layers: {sum(count.values())}, upward: {len(upward)}")
    for a, b in sorted(upward):
        print(f"  up: {a} -> {b}")
    print(f"imports of estimator internals from outside estimators: {len(internals)}")
    for a, b in internals:
        print(f"  internal: {a} -> {b}")


if __name__ == "__main__":
    main()
