"""Which version runs for an event: the version deployed in the env *now*, re-read whenever the deploy tags change.

``DeployedIndex.version_for(env, workflow, event)`` is the one place that decides it (canary routing hooks in here).
"""

from __future__ import annotations

import threading
from typing import Any


class DeployedIndex:
    """The deployed versions of one env and their parsed documents, for one thread's Repo."""

    def __init__(self, repo, env: str):
        self.repo = repo
        self.env = env
        self._sig: tuple | None = None
        self._deployed: dict[str, Any] = {}
        self._docs: dict[tuple[str, str], Any] = {}  # (blob, wf) -> WorkflowDoc; blobs never change
        self._lock = threading.Lock()

    def refresh(self) -> dict[str, Any]:
        """``{workflow: Version}`` deployed now (re-read only when the refs changed on disk)."""
        from keepwf.service.versions import deployed_versions
        from keepwf.store import tags
        from keepwf.store.refwatch import refs_signature

        with self._lock:
            sig = refs_signature(self.repo)
            if sig != self._sig:
                tags.forget_refs(self.repo)
                self._deployed = {wf: v for (_e, wf), v in deployed_versions(self.repo, self.env).items()}
                self._sig = sig
            return self._deployed

    def doc(self, v, workflow: str):
        from keepwf.service.execute import load_version_doc

        key = (v.blob or v.commit, workflow)
        d = self._docs.get(key)
        if d is None:
            d = self._docs[key] = load_version_doc(self.repo, v, workflow)[0]
        return d

    def version_for(self, workflow: str, event: dict | None = None, deployed: dict | None = None):
        """The version of ``workflow`` that runs for ``event`` (None when it is not deployed in this env). Today the
        deployed one; canary routing (a share of fingerprints to a candidate) decides here. ``deployed``: a
        ``refresh()`` the caller just made (one look at the refs per event, however many workflows)."""
        return (deployed if deployed is not None else self.refresh()).get(workflow)
