"""Frozen value objects shared by every layer. No I/O here.

- ``model.workflow``: Problem (a validation finding) and WorkflowDoc (one loaded workflow document);
- ``model.version``: Version (one deploy tag) and its trailer codec;
- ``model.run``: the result of executing a workflow and the run record written to git notes.
"""

from keepwf.model.workflow import Problem, WorkflowDoc

__all__ = ["Problem", "WorkflowDoc"]
