"""Run one action of a notification provider against a FakeApi, with its config in providers.yaml form."""

from __future__ import annotations

import json

import yaml

from tests.engine.helpers import alert, run


def notify(ptype: str, auth: dict, with_: dict, *, kind: str = "actions", retry: dict | None = None, **kw):
    step = {"name": "n", "provider": {"type": ptype, "config": "{{ providers.p }}", "with": with_}}
    if retry:
        step["provider"]["on-failure"] = {"retry": retry}
    doc = {"workflow": {"id": "wf", kind: [step]}}
    kw.setdefault("event", alert())
    kw.setdefault("event_kind", "alert")
    kw.setdefault("allow_private_network", True)  # the peers are on 127.0.0.1 (engine/netpolicy.py)
    return run(yaml.safe_dump(doc, sort_keys=False), providers_file={"p": {"authentication": auth}}, **kw)


def result_of(r, name: str = "n"):
    step = next(s for s in r.steps if s.name == name)
    return step


def dumped(r) -> str:
    return json.dumps(r.to_dict(), default=str)
