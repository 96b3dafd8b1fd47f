"""JSON Schema (draft-07) of the Keep workflow format as keepwf reads it, for editors' YAML plugins.

Built from the same tables the validator uses (``keepwf.workflow.keys``). It is stricter than Keep in one way, on
purpose: unknown keys are not allowed (``additionalProperties: false``), so an editor underlines a typo the moment
it is typed; ``keepwf validate`` reports those as warnings. It cannot express cross-references (steps that do not
exist, duplicate ids) or template checks: ``keepwf validate`` does those.
"""

from __future__ import annotations

from typing import Any

from keepwf.workflow import keys as K

SCHEMA_ID = "https://github.com/keepwf/keepwf/schema/workflow.json"
ID_PATTERN = r"^[A-Za-z0-9_][A-Za-z0-9_.\-]*$"
INTERVAL_PATTERN = r"^\s*[0-9]*[1-9][0-9]*\s*[mhd]?\s*$"

_STR = {"type": "string"}
_BOOLISH = {"anyOf": [{"type": "boolean"}, {"type": "string", "enum": ["true", "false"]}]}
_STR_LIST = {"type": "array", "items": {"type": "string"}}
_INTERVAL = {
    "anyOf": [{"type": "integer", "minimum": 1}, {"type": "string", "pattern": INTERVAL_PATTERN}],
    "description": "Seconds, or a number with m, h or d: 300, \"5m\", \"1h\", \"1d\".",
}


def _obj(props: dict[str, Any], required: tuple[str, ...] = (), description: str | None = None, **extra) -> dict[str, Any]:
    out: dict[str, Any] = {"type": "object", "properties": props, "additionalProperties": False}
    if required:
        out["required"] = list(required)
    if description:
        out["description"] = description
    out.update(extra)
    return out


def _trigger(ttype: str, props: dict[str, Any], description: str) -> dict[str, Any]:
    assert set(props) | {"type"} == set(K.TRIGGER_KEYS[ttype])
    return _obj({"type": {"const": ttype}, **props}, ("type",), description)


def _condition(ctype: str, props: dict[str, Any]) -> dict[str, Any]:
    base = {"name": _STR, "type": {"const": ctype}, "alias": _STR}
    assert set(base) | set(props) == set(K.CONDITION_KEYS[ctype])
    return _obj({**base, **props}, ("name", "type"))


def definitions() -> dict[str, Any]:
    retry = _obj({"retry": _obj({"count": {"type": "number", "minimum": 0}, "interval": {"type": "number", "minimum": 0}})},
                 description="Retry the provider call: count extra attempts, interval seconds apart.")
    provider_props = {
        "type": {"type": "string", "description": "Provider type (keepwf runs console, mock, bash, python, http, webhook and the notification providers of docs/providers.md).", "examples": list(K.RUNNABLE_PROVIDERS)},
        "config": {"anyOf": [{"type": "string", "pattern": r"^\s*\{\{\s*providers\.[^.{}\s]+\s*\}\}\s*$"}, {"type": "object"}],
                   "description": "\"{{ providers.<name> }}\" or an inline {authentication: {...}}."},
        "with": {"type": "object", "description": "The provider's parameters."},
        "on-failure": {"$ref": "#/definitions/retry"},
    }
    step_props = {
        "name": {"type": "string", "description": "The step id: its results are {{ steps.<name>.results }}."},
        "provider": {"$ref": "#/definitions/stepProvider"},
        "if": {"type": ["string", "boolean"], "description": "Run only when this expression is true."},
        "condition": {"type": "array", "items": {"$ref": "#/definitions/condition"}},
        "foreach": {"type": "string", "description": "\"{{ steps.x.results }}\": run once per item ({{ foreach.value }})."},
        "continue": _BOOLISH,
        "continue_on_error": _BOOLISH,
        "vars": {"type": "object"},
        "alias": {"type": "object"},
        "on-failure": {"$ref": "#/definitions/retry"},
        "throttle": _obj({"type": {"enum": list(K.THROTTLE_TYPES)}, "with": {"type": "object"}}, description="Needs a Keep server."),
        "id": _STR,
    }
    assert set(step_props) == set(K.STEP_KEYS) and set(provider_props) == set(K.PROVIDER_KEYS)
    action_props = {**step_props, "provider": {"$ref": "#/definitions/actionProvider"}, "use": {"type": "string", "description": "Name of a reusable action to merge."}}
    workflow_props = {
        "id": {"type": "string", "pattern": ID_PATTERN, "not": {"pattern": r"\.\.|\.lock$|\.$"},
               "description": "Unique id; names the deploy tags (letters, digits, - _ .)."},
        "name": _STR,
        "description": _STR,
        "disabled": _BOOLISH,
        "debug": _BOOLISH,
        "owners": _STR_LIST,
        "tags": _STR_LIST,
        "services": _STR_LIST,
        "permissions": _STR_LIST,
        "strategy": {"enum": list(K.STRATEGIES)},
        "consts": {"type": ["object", "null"]},
        "inputs": {"type": ["array", "null"], "items": {"$ref": "#/definitions/input"}},
        "triggers": {"type": ["array", "null"], "items": {"$ref": "#/definitions/trigger"}},
        "steps": {"type": ["array", "null"], "items": {"$ref": "#/definitions/step"}},
        "actions": {"type": ["array", "null"], "items": {"$ref": "#/definitions/action"}},
        "on-failure": {"$ref": "#/definitions/onFailure"},
        "interval": _INTERVAL,
        "providers": {"type": "object", "description": "Ignored here by Keep when read from a file: put providers: at the document root."},
    }
    assert set(workflow_props) == set(K.WORKFLOW_KEYS)
    return {
        "workflow": _obj(workflow_props, ("id",), "One Keep workflow."),
        "trigger": {"oneOf": [
            _trigger("manual", {}, "Run by hand: keepwf run WF."),
            _trigger("alert", {
                "filters": {"type": "array", "items": _obj({"key": _STR, "value": {"type": ["string", "number", "boolean"]}, "exclude": _BOOLISH}, ("key", "value"))},
                "cel": {"type": "string"},
                "only_on_change": _STR_LIST,
                "severity_changed": {"type": "boolean"},
            }, "Run for matching alerts (filters, or a CEL expression)."),
            _trigger("interval", {"value": _INTERVAL}, "Run every value seconds."),
            _trigger("incident", {"events": {"type": "array", "minItems": 1, "items": {"enum": list(K.INCIDENT_EVENTS)}}}, "Run on incident events."),
        ]},
        "stepProvider": _obj(provider_props, ("type", "with")),
        "actionProvider": _obj(provider_props, ("type",)),
        "retry": retry,
        "step": _obj(step_props, ("name", "provider")),
        "action": _obj(action_props, ("name",), anyOf=[{"required": ["provider"]}, {"required": ["use"]}]),
        "onFailure": _obj({k: v for k, v in action_props.items() if k != "use"}, ("provider",), "Runs once when the workflow fails."),
        "condition": {"oneOf": [
            _condition("threshold", {"value": {}, "compare_to": {}, "compare_type": {"enum": list(K.COMPARE_TYPES)}, "level": _STR}),
            _condition("assert", {"assert": {"type": "string"}}),
            _condition("stddev", {"value": {}, "compare_to": {}, "pivot_column": {"type": "integer"}}),
        ]},
        "input": _obj({"name": _STR, "description": _STR, "type": {"enum": list(K.INPUT_TYPES)}, "default": {}, "required": {"type": "boolean"},
                       "options": {"type": "array"}, "visuallyHidden": {"type": "boolean"}}, ("name",)),
    }


def workflow_schema() -> dict[str, Any]:
    """The JSON Schema document (draft-07) of a workflow file."""
    return {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "$id": SCHEMA_ID,
        "title": "Keep workflow file (keepwf)",
        "description": "A Keep AIOps workflow as keepwf runs it. Generated by `keepwf schema`; see docs/validation.md.",
        "type": "object",
        "properties": {
            "workflow": {"$ref": "#/definitions/workflow"},
            "alert": {"$ref": "#/definitions/workflow", "description": "Legacy name of workflow:."},
            "workflows": {"type": "array", "items": {"$ref": "#/definitions/workflow"}},
            "alerts": {"type": "array", "items": {"$ref": "#/definitions/workflow"}, "description": "Legacy name of workflows:."},
            "providers": {"type": "object", "additionalProperties": {"type": "object"}, "description": "Provider configs by name: {{ providers.<name> }}."},
            "actions": {"type": "array", "items": {"$ref": "#/definitions/action"}, "description": "Reusable actions, merged into actions that `use:` them."},
        },
        "additionalProperties": False,
        "anyOf": [{"required": [k]} for k in ("workflow", "workflows", "alert", "alerts")],
        "definitions": definitions(),
    }
