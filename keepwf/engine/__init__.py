"""The Keep-compatible workflow engine. Pure: time, environment, provider configs, mocks and history come in.

```python
from keepwf.engine import run_workflow, RunOptions
result = run_workflow(doc, RunOptions(event=alert, event_kind="alert", trigger="alert"))
```
Ctrl-C during a run raises ``RunInterrupted`` (a ``KeyboardInterrupt``) carrying the partial result in ``.result``.
"""

from keepwf.engine.functions import FUNCTION_NAMES, FUNCTIONS
from keepwf.engine.interrupt import RunInterrupted
from keepwf.engine.mocks import MockSet
from keepwf.engine.options import ProgressEvent, RunHistory, RunOptions
from keepwf.engine.runner import run_workflow
from keepwf.engine.providers import REGISTRY as _REGISTRY

OFFLINE_PROVIDERS = tuple(sorted(_REGISTRY))  # every provider type the engine runs itself

__all__ = ["FUNCTIONS", "FUNCTION_NAMES", "OFFLINE_PROVIDERS", "MockSet", "ProgressEvent", "RunHistory", "RunInterrupted", "RunOptions",
           "run_workflow"]
