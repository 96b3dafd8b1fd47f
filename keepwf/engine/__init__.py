"""The Keep-compatible workflow engine. Pure: time, environment, provider configs, mocks and history come in.

```python
from keepwf.engine import run_workflow, RunOptions
result = run_workflow(doc, RunOptions(event=alert, event_kind="alert", trigger="alert"))
```
"""

from keepwf.engine.functions import FUNCTION_NAMES, FUNCTIONS
from keepwf.engine.mocks import MockSet
from keepwf.engine.options import ProgressEvent, RunHistory, RunOptions
from keepwf.engine.runner import run_workflow

__all__ = ["FUNCTIONS", "FUNCTION_NAMES", "MockSet", "ProgressEvent", "RunHistory", "RunOptions", "run_workflow"]
