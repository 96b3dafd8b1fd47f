"""YAML bytes → WorkflowDoc values and validation problems (no git, no terminal).

Public API (other layers use only these names):

- ``load_source(data, path) -> LoadResult``: parse one file's bytes; never raises for bad input, problems instead.
- ``validate_sources(sources, config=None) -> LoadResult``: load and validate many files at once (cross-file checks
  such as duplicate ids); ``sources`` maps repo-relative path → bytes.
- ``is_workflow_file(path)``: the file-name rule (``.yml``/``.yaml``).
"""

from keepwf.workflow.loader import LoadResult, is_workflow_file, load_source

__all__ = ["LoadResult", "is_workflow_file", "load_source"]
