"""The alert a workflow sees is Keep 0.54.2's AlertDto (issue 13, classes 1, 1b and 10).

Expected values come from keep/api/models/alert.py at tag v0.54.2: the field list of ``class AlertDto`` (line 71;
``firingCounter`` line 79, ``environment: str | None = None`` line 81; its declaration order is the order of ``AlertDto.dict()``, which ``AlertDto.__str__`` dumps with ``indent=4``), the
``prepend_https`` validator on ``url`` (line 156) and ``validate_last_received`` on ``lastReceived`` (line 171).
Keep is not on PyPI (the ``keep`` package there is another project), so its results are pinned here.
"""

from __future__ import annotations

import json

import pytest

from keepwf.engine.alert import keep_time, keep_url, normalize_alert
from tests.engine.helpers import run

CPU = {"name": "cpu", "severity": "critical", "lastReceived": "2024-05-01T10:00:00Z", "fingerprint": "fp-cpu"}

# class AlertDto(BaseModel), v0.54.2, in declaration order
ALERTDTO_ORDER = [
    "id", "name", "status", "severity", "lastReceived", "firingStartTime", "firingStartTimeSinceLastResolved",
    "firingCounter", "unresolvedCounter", "environment", "isFullDuplicate", "isPartialDuplicate", "duplicateReason",
    "service", "source", "apiKeyRef", "message", "description", "description_format", "pushed", "event_id", "url",
    "imageUrl", "labels", "fingerprint", "deleted", "dismissUntil", "dismissed", "assignee", "providerId",
    "providerType", "note", "startedAt", "isNoisy", "enriched_fields", "incident",
]


def console(message: str, alert: dict | None = None):
    res = run(f"""
        workflow:
          id: w
          steps:
            - name: s
              provider: {{type: console, with: {{message: {json.dumps(message)}}}}}
        """, event=normalize_alert(alert or CPU), event_kind="alert")
    return res


def said(message: str, alert: dict | None = None) -> str:
    res = console(message, alert)
    assert res.status == "success", res.steps[0].error
    return res.steps[0].results[0]


@pytest.mark.parametrize("field, expected", [
    ("firingCounter", "0"), ("unresolvedCounter", "0"),  # `firingCounter: int = 0` — 0 renders as 0
    ("imageUrl", ""), ("firingStartTimeSinceLastResolved", ""), ("description_format", ""), ("incident", ""),
    ("environment", ""),  # `environment: str | None = None` in 0.54.2 (was "undefined" in older releases)
])
def test_every_alertdto_field_renders_without_failing_the_step(field, expected):
    assert said("[{{ alert.%s }}]" % field) == f"[{expected}]"


def test_given_counters_are_used_and_numeric_text_becomes_a_number():
    assert said("{{ alert.firingCounter }}/{{ alert.unresolvedCounter }}",
                dict(CPU, firingCounter=3, unresolvedCounter="2")) == "3/2"


def test_alert_json_has_every_field_in_alertdto_order_then_the_extras_as_given():
    out = json.loads(said("{{ alert }}", dict(CPU, zeta=1, alpha=2)))
    assert list(out) == ALERTDTO_ORDER + ["zeta", "alpha"]
    assert out["firingCounter"] == 0 and out["incident"] is None and out["environment"] is None
    assert out["lastReceived"] == "2024-05-01T10:00:00.000Z"


def test_alert_json_is_indented_like_alertdto_str():
    text = said("{{ alert }}")
    assert text.startswith('{\n    "id": "fp-cpu",\n    "name": "cpu",\n    "status": "firing",\n')


@pytest.mark.parametrize("given, expected", [
    ("2024-05-01T10:00:00Z", "2024-05-01T10:00:00.000Z"),
    ("2024-05-01T10:00:00+02:00", "2024-05-01T08:00:00.000Z"),
    ("2024-05-01T10:00:00.123456+00:00", "2024-05-01T10:00:00.123Z"),
    ("2024-05-01 10:00:00", "2024-05-01T10:00:00.000Z"),  # naive: Keep's servers run in UTC
    ("2024-05-01", "2024-05-01T00:00:00.000Z"),
    ("1714557600", "2024-05-01T10:00:00.000Z"),  # parse_unix_timestamp
    ("1714557600.5Z", "2024-05-01T10:00:00.500Z"),
    (1714557600, "2024-05-01T10:00:00.000Z"),  # keepwf: a JSON number is a timestamp too (Keep rejects the alert)
])
def test_last_received_is_normalised_to_utc_milliseconds(given, expected):
    assert normalize_alert(dict(CPU, lastReceived=given))["lastReceived"] == expected
    assert said("{{ alert.lastReceived }}", dict(CPU, lastReceived=given)) == expected


def test_last_received_defaults_to_now_in_keeps_form_and_garbage_is_kept():
    assert normalize_alert({"name": "x"}, now="2026-01-02T03:04:05+00:00")["lastReceived"] == "2026-01-02T03:04:05.000Z"
    # Keep refuses such an alert (ValueError: Invalid date format); keepwf passes the text through
    assert normalize_alert(dict(CPU, lastReceived="yesterday"))["lastReceived"] == "yesterday"
    assert keep_time("yesterday") is None and keep_time(True) is None


@pytest.mark.parametrize("given, expected", [
    ("example.com/a b", "https://example.com/a%20b"),
    ("https://example.com/a b", "https://example.com/a%20b"),
    ("  http://x.io/p?q=1&r=a b#frag ", "http://x.io/p?q=1&r=a%20b%23frag"),  # safe="/:?=&": '#' is quoted
    ("https://x.io/%20", "https://x.io/%2520"),  # Keep quotes an already-quoted URL again
    ("", None), ("   ", None),
])
def test_url_gets_a_scheme_and_is_quoted_like_keep(given, expected):
    assert keep_url(given) == expected
    assert normalize_alert(dict(CPU, url=given))["url"] == expected


def test_url_absent_or_not_text_is_left_alone():
    assert normalize_alert(CPU)["url"] is None
    assert keep_url(None) is None and keep_url(5) == 5


def test_url_in_a_template():
    assert said("<{{ alert.url }}>", dict(CPU, url="example.com/a b")) == "<https://example.com/a%20b>"


@pytest.mark.parametrize("status, expected", [("Resolved", "resolved"), ("RESOLVED", "resolved"),
                                              ("resolved", "resolved"), ("bogus", "firing"), (None, "firing")])
def test_status_is_case_insensitive_keepwf_decision(status, expected):
    # Keep 0.54.2: AlertStatus("Resolved") raises ValueError → FIRING (a resolved alert would page again);
    # keepwf decision (docs/engine.md "The alert"): the status is matched case-insensitively
    assert normalize_alert(dict(CPU, status=status))["status"] == expected


@pytest.mark.parametrize("severity, expected", [("CRITICAL", "critical"), ("Warning", "warning"), (5, "critical"),
                                                (9, "info"), ("p1", "info")])
def test_severity_is_case_insensitive_keepwf_decision(severity, expected):
    # Keep 0.54.2: AlertSeverity("CRITICAL") raises ValueError → INFO; keepwf decision: case-insensitive
    assert normalize_alert(dict(CPU, severity=severity))["severity"] == expected


def test_other_alertdto_normalisations():
    a = normalize_alert(dict(CPU, dismissed="True", deletedAt="x", fingerprint="f" * 300))
    assert a["dismissed"] is True and "deletedAt" not in a and a["fingerprint"] == "f" * 255
    assert normalize_alert(dict(CPU, dismissed="no"))["dismissed"] is False
