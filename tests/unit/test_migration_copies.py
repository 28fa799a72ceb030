"""Migrations keep frozen copies of the reference data they create (they must not import app
code, which moves on); the app's own constant must still say the same as the copy."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

from teams_app.initiatives.pipeline import DEFAULT_PIPELINE

VERSIONS = Path(__file__).resolve().parents[2] / "migrations" / "versions"


def migration(name: str) -> ModuleType:
    path = VERSIONS / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"migration_{name}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_pipeline_migration_seeds_the_default_pipeline():
    assert migration("bcbc8cc6ec7d_initiatives").DEFAULT_PIPELINE == DEFAULT_PIPELINE
