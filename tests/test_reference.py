from pathlib import Path

from scripts.gen_reference import generate

ROOT = Path(__file__).resolve().parents[1]


def test_command_reference_is_current():
    committed = (ROOT / "docs" / "reference.md").read_text(encoding="utf-8")
    assert committed == generate(), "docs/reference.md is stale: run .venv/bin/python scripts/gen_reference.py"
