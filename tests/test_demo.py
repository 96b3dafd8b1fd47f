"""`make demo` works on a fresh machine: scripts/demo.sh runs start to end against the installed keepwf."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_demo_script_runs_end_to_end(tmp_path):
    env = {**os.environ, "TMPDIR": str(tmp_path), "NO_COLOR": "1", "COLUMNS": "120",
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    res = subprocess.run(["bash", str(ROOT / "scripts" / "demo.sh")], cwd=tmp_path, env=env,
                         capture_output=True, text=True, timeout=300)
    out = res.stdout + res.stderr
    assert res.returncode == 0, out[-4000:]
    # the main job's landmarks, as a user reads them
    assert "Deployed 1 workflow(s) to production." in out
    assert "created keepwf/production/hello-alert/v3" in out and "(rollback of v2)" in out
    assert "Demo repository left in" in out
    # serve: Alertmanager's webhook answered 202, the deployed v3 ran for it and was recorded
    assert '202 {"task_name":' in out
    assert any(" v3 " in ln and "alert" in ln and "success" in ln for ln in out.splitlines() if ln.startswith("01"))
