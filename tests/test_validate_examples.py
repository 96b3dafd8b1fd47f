"""Keep's own example workflows: the compatibility corpus for the validator."""

from __future__ import annotations

from keepwf.workflow import validate_source, validate_sources

MALFORMED = {"query_clickhouse.yml", "retrieve_cloudwatch_logs.yaml"}


def _sources(folder):
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.suffix in (".yml", ".yaml")}


def test_each_example_alone_has_errors_only_if_malformed(keep_examples):
    sources = _sources(keep_examples)
    assert len(sources) == 113
    with_errors = {name for name, data in sources.items() if validate_source(data, name).errors}
    assert with_errors == MALFORMED


def test_malformed_examples_name_the_misplaced_keys(keep_examples):
    res = validate_source((keep_examples / "query_clickhouse.yml").read_bytes(), "query_clickhouse.yml")
    found = {(p.yaml_path, p.line, p.code) for p in res.errors}
    assert found == {("steps", 8, "misplaced-key"), ("actions", 17, "misplaced-key")}
    assert all("under workflow:" in p.hint for p in res.errors)


def test_whole_corpus_also_reports_the_one_duplicate_id(keep_examples):
    """Two of Keep's examples share `id: elastic-basic`: deployed together their tags would collide."""
    res = validate_sources(_sources(keep_examples))
    assert {p.file for p in res.errors} == MALFORMED | {"elastic_basic.yml"}
    dup = [p for p in res.errors if p.code == "duplicate-id"]
    assert len(dup) == 1 and "create_alerts_from_elastic.yml" in dup[0].message
    assert len(res.docs) == 113
