"""The one reader of user data files (events, --mock, providers.yaml): JSON or YAML, errors that name the file."""

import pytest

from keepwf.errors import UsageError
from keepwf.workflow.datafile import parse_data, read_data_file


def test_json_and_yaml_give_the_same_data():
    assert parse_data('{"name": "cpu", "n": 2}', "a", "h") == parse_data("name: cpu\nn: 2\n", "a", "h") == {"name": "cpu", "n": 2}


def test_yaml_is_read_as_keep_reads_it():
    """YAML 1.1 like Keep's PyYAML loader: `on`/`yes` are booleans."""
    assert parse_data("enabled: yes\n", "a", "h") == {"enabled": True}


def test_broken_json_says_where(tmp_path):
    with pytest.raises(UsageError) as e:
        parse_data('{"name": "cpu",}', "--alert a.json", "give one JSON object")
    assert e.value.message.startswith("--alert a.json: not valid JSON:") and "column" in e.value.message
    assert e.value.hint == "give one JSON object"


def test_neither_json_nor_yaml():
    with pytest.raises(UsageError, match="neither JSON nor YAML"):
        parse_data("a: [1, 2\nb: }", "--mock m.yml", "h")


def test_deep_nesting_is_a_usage_error():
    with pytest.raises(UsageError, match="nested too deeply"):
        parse_data("[" * 100_000 + "]" * 100_000, "x", "h")


def test_unreadable_and_non_utf8_files(tmp_path):
    with pytest.raises(UsageError, match="cannot read"):
        read_data_file(tmp_path / "missing.json", "--alert missing.json", "h")
    bad = tmp_path / "bad.json"
    bad.write_bytes(b'{"a": "\xff"}')
    with pytest.raises(UsageError, match="not UTF-8"):
        read_data_file(bad, "--alert bad.json", "h")
