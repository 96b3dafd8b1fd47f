"""A run stopped by Ctrl-C (or a signal the caller turned into ``KeyboardInterrupt``) still has a result.

The engine does no signal handling: it only catches ``KeyboardInterrupt`` at its step loop, finishes the result the
same way as a normal run (steps that finished with their results and logs, the step it was inside as ``error``
``interrupted``, status ``error``, error ``interrupted``) and raises ``RunInterrupted`` carrying it. Both classes
subclass ``KeyboardInterrupt``, so a caller that only knows about Ctrl-C still stops.
"""

from __future__ import annotations

from typing import Any

INTERRUPTED = "interrupted"


class StepInterrupted(KeyboardInterrupt):
    """Raised by the step runner: ``record`` is the StepResult of the step that was running (error ``interrupted``)."""

    def __init__(self, record: Any):
        super().__init__(INTERRUPTED)
        self.record = record


class RunInterrupted(KeyboardInterrupt):
    """Raised by ``run_workflow``: ``result`` is the RunResult of what ran before the interrupt."""

    def __init__(self, result: Any):
        super().__init__(INTERRUPTED)
        self.result = result
