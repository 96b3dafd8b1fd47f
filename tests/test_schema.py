"""`keepwf schema`: a draft-07 JSON Schema that editors can use (checked with jsonschema, a test-only dependency)."""

from __future__ import annotations

import json

import jsonschema
import pytest
import yaml

from keepwf.workflow.schema import workflow_schema
from tests.helpers import run_cli, workflow_yaml

MALFORMED = {"query_clickhouse.yml", "retrieve_cloudwatch_logs.yaml"}


@pytest.fixture(scope="module")
def validator():
    schema = workflow_schema()
    jsonschema.Draft7Validator.check_schema(schema)
    return jsonschema.Draft7Validator(schema)


def _errors(validator, text: str) -> list[str]:
    return [e.message for e in validator.iter_errors(yaml.safe_load(text))]


def test_accepts_a_good_workflow(validator):
    assert _errors(validator, workflow_yaml("good", steps=2)) == []


def test_rejects_missing_id_bad_trigger_and_typo(validator):
    assert any("'id' is a required property" in m for m in _errors(validator, "workflow:\n  name: x\n  steps: []\n"))
    assert _errors(validator, workflow_yaml("t").replace("type: manual", "type: manaul"))
    assert _errors(validator, workflow_yaml("t") + "\n  descriptin: typo\n")
    assert _errors(validator, workflow_yaml("has space"))
    assert _errors(validator, workflow_yaml("t").replace("        with:\n          message: \"hello 0\"\n", ""))


def test_keep_examples(validator, keep_examples):
    """Keep's own examples: the two malformed ones are rejected, all the others accepted."""
    rejected = set()
    for path in sorted(keep_examples.glob("*.y*ml")):
        if list(validator.iter_errors(yaml.safe_load(path.read_text()))):
            rejected.add(path.name)
    assert rejected == MALFORMED


def test_cli_prints_and_writes(tmp_path):
    r = run_cli("schema")
    assert r.code == 0 and json.loads(r.out)["$schema"] == "http://json-schema.org/draft-07/schema#"
    r = run_cli("schema", "--output", "sub/schema.json", cwd=tmp_path)
    assert r.code == 0 and r.out == "" and "wrote sub/schema.json" in r.err
    assert json.loads((tmp_path / "sub" / "schema.json").read_text()) == workflow_schema()
