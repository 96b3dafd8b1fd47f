"""What the runtime tells the outside (metrics, logs). The server implements it with prometheus_client and JSON log
lines; the default does nothing, so the runtime runs without either."""

from __future__ import annotations


class Observer:
    def events_received(self, kind: str, n: int) -> None:
        """n events of ``kind`` accepted (journaled)."""

    def event_rejected(self, reason: str) -> None:
        """A request refused before the journal (bad body, too large, auth, shutting down)."""

    def events_dispatched(self, counts: dict[str, int]) -> None:
        """Outcomes of dispatch: dispatched / deduplicated / unmatched."""

    def run_finished(self, rec: dict) -> None:
        """A run record was written to the journal (the recorder appends it to git)."""

    def log(self, fields: dict) -> None:
        """One structured log line."""
