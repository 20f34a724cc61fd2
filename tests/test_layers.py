"""The packages depend on each other in one direction (README, "How the code is laid out"):

    cli  ─┐
          ├─> app ─> storage ─> stages (newswatch's pipeline modules: model, classify, notify…)
    flows ┘     └──────────────> stages

The command line and the flows reach the database only through the application layer; the
application layer knows nothing of Prefect or of the command line; storage knows nothing of the
layers above it; the stages know none of them. Every import counts, also one inside a function,
since a lazy import is still a dependency.
"""

from __future__ import annotations

import ast
import os
from pathlib import Path

import pytest

import newswatch

PACKAGE = Path(newswatch.__file__).parent
LAYERS = ("cli", "flows", "app", "storage")

# What each layer may not import (stages are every newswatch module outside these four packages).
FORBIDDEN: dict[str, tuple[str, ...]] = {
    "cli": ("newswatch.storage",),
    "flows": ("newswatch.cli", "newswatch.storage"),
    "app": ("newswatch.cli", "newswatch.flows", "prefect"),
    "storage": ("newswatch.cli", "newswatch.flows", "newswatch.app", "prefect"),
    "stages": ("newswatch.cli", "newswatch.flows", "newswatch.app", "newswatch.storage"),
}


def _layer(path: Path) -> str:
    first = path.relative_to(PACKAGE).parts[0].removesuffix(".py")
    if first == "__main__":  # `python -m newswatch`: the command line
        return "cli"
    return first if first in LAYERS else "stages"


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def _modules() -> list[Path]:
    # os.walk, not rglob: flows/, storage/ and config/ are symlinked into the package
    return sorted(
        Path(folder) / name
        for folder, _, files in os.walk(PACKAGE, followlinks=True)
        if "migrations" not in Path(folder).parts
        for name in files
        if name.endswith(".py")
    )


def test_every_layer_is_found() -> None:
    assert {_layer(p) for p in _modules()} == {*LAYERS, "stages"}


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_a_module_imports_only_the_layers_below_it(path: Path) -> None:
    forbidden = FORBIDDEN[_layer(path)]
    wrong = sorted(name for name in _imports(path) if any(name == f or name.startswith(f + ".") for f in forbidden))
    assert not wrong, f"{path.relative_to(PACKAGE)} ({_layer(path)}) imports {wrong}"
