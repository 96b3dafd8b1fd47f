"""``--mock FILE``: canned provider responses so any workflow runs offline (keepwf decision 7). Format: docs/mocks.md.

```yaml
steps:                      # by step or action name (wins over providers:)
  get-pods:
    result: [{name: api-1}]            # returned on every call
  notify:
    responses:                         # a queue, one per call; the last entry repeats
      - error: "503 from Slack"
      - result: {ok: true}
providers:                  # by provider type (slack, pagerduty…) or by provider config name
  slack: {result: {ok: true}}
default: {result: null}     # optional: answers every provider keepwf cannot run offline
workflows:                  # optional: sections for one workflow each (by id), over the shared ones above
  pager: {steps: {page: {result: {ok: true}}}}
```
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from keepwf.errors import UsageError

_ENTRY_KEYS = {"result", "error", "responses"}
HARMLESS = frozenset({"console", "mock"})  # providers a sealed mock set lets run: they only print or echo


@dataclass(frozen=True)
class MockResponse:
    result: Any = None
    error: str | None = None


class MockSet:
    def __init__(self, steps: dict | None = None, providers: dict | None = None, default: dict | None = None,
                 source: str = "mocks", sealed: bool = False, workflows: dict | None = None, prefix: str = ""):
        self.source = source
        # sealed (replays): ``default`` answers every provider that can reach the outside world, the ones keepwf runs
        # itself included (http, webhook, bash, python…); only ``console`` and ``mock`` run for real
        self.sealed = sealed
        self._steps = {str(k): self._entry(v, f"{prefix}steps.{k}") for k, v in (steps or {}).items()}
        self._providers = {str(k): self._entry(v, f"{prefix}providers.{k}") for k, v in (providers or {}).items()}
        self._default = self._entry(default, f"{prefix}default") if default is not None else None
        self._counts: dict[str, int] = {}
        self._workflows = {str(k): self._section(v, f"workflows.{k}") for k, v in (workflows or {}).items()}
        self._own_steps: set[str] = set(self._steps)  # the steps: names this workflow's run should check
        self.steps_where = f"{prefix}steps"  # where those names are written in the file

    def _section(self, v: Any, where: str) -> "MockSet":
        if not isinstance(v, dict) or not set(v) <= {"steps", "providers", "default"}:
            raise UsageError(f"{self.source}: {where} must be a mapping with steps:, providers: or default:",
                             hint="see docs/mocks.md for the format")
        for key in ("steps", "providers"):
            if v.get(key) is not None and not isinstance(v[key], dict):
                raise UsageError(f"{self.source}: {where}.{key}: must be a mapping of name → response",
                                 hint="see docs/mocks.md for the format")
        return MockSet(v.get("steps"), v.get("providers"), v.get("default"), self.source, prefix=f"{where}.")

    @property
    def has_sections(self) -> bool:
        return bool(self._workflows)

    def for_workflow(self, workflow_id: str) -> "MockSet":
        """The mocks one workflow sees: its ``workflows.<id>`` section over the shared entries (queues continue
        across the runs of one keepwf command)."""
        own = self._workflows.get(workflow_id)
        if own is None:
            view = MockSet(source=self.source, sealed=self.sealed)
            view._steps, view._providers, view._default = self._steps, self._providers, self._default
            view._own_steps = set() if self._workflows else set(self._steps)  # shared by many: no typo check
        else:
            view = MockSet(source=self.source, sealed=self.sealed)
            view._steps = {**self._steps, **own._steps}
            view._providers = {**self._providers, **own._providers}
            view._default = own._default if own._default is not None else self._default
            view._own_steps = set(own._steps)
            view.steps_where = f"workflows.{workflow_id}.steps"
        view._counts = self._counts
        return view

    def _entry(self, v: Any, where: str) -> list[MockResponse]:
        if not isinstance(v, dict):
            raise UsageError(f"{self.source}: {where} must be a mapping with result:, error: or responses:",
                             hint="see docs/mocks.md for the format")
        unknown = set(v) - _ENTRY_KEYS
        if unknown:
            raise UsageError(f"{self.source}: {where}: unknown key(s) {', '.join(sorted(map(str, unknown)))} "
                             f"(known: result, error, responses)", hint="see docs/mocks.md for the format")
        if "responses" in v:
            items = v["responses"]
            if not isinstance(items, list) or not items:
                raise UsageError(f"{self.source}: {where}.responses must be a non-empty list",
                                 hint="see docs/mocks.md for the format")
            return [self._one(x, f"{where}.responses[{i}]") for i, x in enumerate(items)]
        return [self._one(v, where)]

    def _one(self, v: Any, where: str) -> MockResponse:
        if not isinstance(v, dict) or not (set(v) <= {"result", "error"}):
            raise UsageError(f"{self.source}: {where} must be a mapping with result: or error:",
                             hint="see docs/mocks.md for the format")
        err = v.get("error")
        return MockResponse(result=v.get("result"), error=None if err is None else str(err))

    @classmethod
    def from_data(cls, data: Any, source: str = "mocks", sealed: bool = False) -> "MockSet":
        if data is None:
            data = {}
        if not isinstance(data, dict):
            raise UsageError(f"{source}: a mock file must be a mapping with steps:, providers: or default:",
                             hint="see docs/mocks.md for the format")
        unknown = set(data) - {"steps", "providers", "default", "workflows"}
        if unknown:
            raise UsageError(f"{source}: unknown top-level key(s) {', '.join(sorted(map(str, unknown)))} "
                             f"(known: steps, providers, default, workflows)", hint="see docs/mocks.md for the format")
        for key in ("steps", "providers", "workflows"):
            if data.get(key) is not None and not isinstance(data[key], dict):
                raise UsageError(f"{source}: {key}: must be a mapping of name → response",
                                 hint="see docs/mocks.md for the format")
        default = data.get("default")
        if sealed and default is None:  # sealed: nothing unmocked reaches the outside world
            default = {"result": None}
        return cls(data.get("steps"), data.get("providers"), default, source, sealed=sealed,
                   workflows=data.get("workflows"))

    @classmethod
    def parse(cls, text: str, source: str = "mocks") -> "MockSet":
        """YAML or JSON text → MockSet (UsageError with the reason when malformed)."""
        from keepwf.workflow.datafile import parse_data

        data = parse_data(text, source, "see docs/mocks.md for the format")
        return cls.from_data(data, source)

    @classmethod
    def load(cls, path: str) -> "MockSet":
        from keepwf.workflow.datafile import read_data_file

        return cls.from_data(read_data_file(path, f"--mock {path}", "see docs/mocks.md for the format"), path)

    def unknown_steps(self, names) -> list[str]:
        """The ``steps:`` keys meant for this workflow that name none of ``names`` (a typo there would let the real
        provider run): its ``workflows.<id>.steps``, or the shared ``steps:`` of a file without sections."""
        known = set(names)
        return [k for k in self._steps if k in self._own_steps and k not in known]

    def covers(self, step: str, provider_type: str, provider_name: str | None = None,
               offline_capable: bool = True) -> bool:
        """Whether a call would be answered from the file (nothing consumed)."""
        return self._find(step, provider_type, provider_name, offline_capable) is not None

    def lookup(self, step: str, provider_type: str, provider_name: str | None = None,
               offline_capable: bool = True) -> MockResponse | None:
        """The response for this call (consuming a queue entry), or None when not mocked."""
        found = self._find(step, provider_type, provider_name, offline_capable)
        if found is None:
            return None
        key, queue = found
        n = self._counts.get(key, 0)
        self._counts[key] = n + 1
        return queue[min(n, len(queue) - 1)]

    def _find(self, step: str, provider_type: str, provider_name: str | None,
              offline_capable: bool) -> tuple[str, list[MockResponse]] | None:
        key = None
        if step in self._steps:
            key = "steps." + step
            queue = self._steps[step]
        elif provider_name and provider_name in self._providers:
            key = "providers." + provider_name
            queue = self._providers[provider_name]
        elif provider_type in self._providers:
            key = "providers." + provider_type
            queue = self._providers[provider_type]
        elif self._default is not None and (not offline_capable or (self.sealed and provider_type not in HARMLESS)):
            key = "default"
            queue = self._default
        else:
            return None
        return f"{id(queue)}:{key}", queue
