"""YAML bytes → WorkflowDoc values and validation problems (no git, no terminal).

Public API (other layers use only these names):

- ``load_source(data, path) -> LoadResult``: parse one file's bytes; never raises for bad input, problems instead.
- ``validate_sources(sources, config=None) -> LoadResult``: load and validate many files at once (cross-file checks
  such as duplicate ids); ``sources`` maps repo-relative path → bytes.
- ``validate_source(data, path, config=None) -> LoadResult``: the same for one file (no cross-file checks).
- ``is_workflow_file(path)``: the file-name rule (``.yml``/``.yaml``).
- ``KEEP_FUNCTIONS``: the ``keep.*`` function names keepwf accepts (``keepwf.workflow.functions``).
"""

from keepwf.workflow.functions import KEEP_FUNCTIONS
from keepwf.workflow.loader import LoadResult, is_workflow_file, load_source
from keepwf.workflow.validate import validate_source, validate_sources

__all__ = ["KEEP_FUNCTIONS", "LoadResult", "is_workflow_file", "load_source", "validate_source", "validate_sources"]
