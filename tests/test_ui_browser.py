"""The web view in a real browser (Debian's Chromium driven by Playwright): version selector, diff highlighting,
rollback through the form (checked in git), a run from another process appearing live, narrow windows.

Screenshots of every page are written to build/ui-screenshots/ (docs/ui.md shows copies of them)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.helpers import GitRepo, workflow_yaml

ROOT = Path(__file__).resolve().parents[1]
SHOTS = ROOT / "build" / "ui-screenshots"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]

pytestmark = pytest.mark.slow


def _env(n: int) -> dict:
    """Fixed commit and tag dates (2026-11-0N 09:00 UTC): the pages and screenshots do not depend on today."""
    stamp = f"2026-11-0{n}T09:00:00+00:00"
    return {**os.environ, "GIT_COMMITTER_DATE": stamp, "GIT_AUTHOR_DATE": stamp}


def _keepwf(repo: GitRepo, *args: str, n: int = 1) -> subprocess.CompletedProcess:
    cp = subprocess.run([sys.executable, "-m", "keepwf", *args], cwd=repo.path, capture_output=True, text=True,
                        env=_env(n), timeout=120)
    assert cp.returncode in (0, 1), cp.stderr
    return cp


@pytest.fixture
def site(tmp_repo):
    """hello-alert v1..v3 with runs (v1: 1, v2: 2, v3: 1) and a second workflow; `keepwf ui` on a free port."""
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (make test installs it)")
    pytest.importorskip("playwright", reason="the playwright package is a test dependency (make test installs it)")
    r = tmp_repo
    r.write("workflows/db-alert.yml", workflow_yaml("db-alert", "disk"))
    for n, (msg, text) in enumerate([("First release", "Got alert"), ("Second release", "Received alert"),
                                     ("Third release", "Handled alert")], start=1):
        p = r.path / "workflows/hello-alert.yml"
        p.write_text(re.sub(r"(Got|Received|Handled) alert", text, p.read_text()))
        r.git("add", "-A")
        subprocess.run(["git", "commit", "-qm", msg], cwd=r.path, env=_env(n), check=True)
        _keepwf(r, "deploy", "--all", "-m", msg, n=n)
        for _ in range({1: 1, 2: 2, 3: 1}[n]):
            _keepwf(r, "run", "hello-alert", n=n)
    proc = subprocess.Popen([sys.executable, "-m", "keepwf", "ui", "--port", "0"], cwd=r.path, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    line = proc.stdout.readline()
    m = re.search(r"(http://127\.0\.0\.1:\d+/)", line)
    assert m, line + proc.stderr.read()
    yield r, m.group(1)
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def _shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_versions_runs_diff_rollback_and_live_runs(site, browser):
    repo, url = site
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    page.goto(url)
    row = page.locator("#workflows tr", has_text="hello-alert")
    assert row.locator(".badge.deployed").inner_text() == "v3"
    assert "4 runs" not in row.inner_text() and "1 run · 100% success" in row.inner_text()
    _shot(page, "workflows")

    # the version selector filters the runs table to that version's runs
    page.click("text=hello-alert")
    page.wait_for_selector("#runs")
    assert page.locator("#runs tbody tr").count() == 4
    page.select_option("#version-select", "v1")
    page.wait_for_url(re.compile(r"version=v1"))
    versions = page.locator("#runs tbody tr td:nth-child(3)").all_inner_texts()
    assert versions == ["v1"]
    assert "Got alert" in page.locator("details.yaml").inner_text()  # v1's YAML, highlighted
    assert page.locator("details.yaml .nt").count() > 3  # YAML keys carry syntax classes
    _shot(page, "workflow-v1")

    # diff v1 ↔ v3: the changed line is highlighted on both sides
    page.goto(url + "workflows/hello-alert/diff?a=v1&b=v3")
    changed = page.locator("#diff tr.replace")
    assert changed.count() == 1
    assert "Got alert" in changed.locator("td.l").inner_text() and "Handled alert" in changed.locator("td.r").inner_text()
    bg = changed.locator("td.l").evaluate("e => getComputedStyle(e).backgroundColor")
    assert bg not in ("rgba(0, 0, 0, 0)", "transparent")
    assert "~ step greet changed: provider.with.message" in page.locator("#summary").inner_text()
    _shot(page, "diff")

    # rollback through the form: checklist/diff shown, reason + confirmation required, CSRF-protected
    page.goto(url + "workflows/hello-alert")
    page.click("text=Roll back…")
    page.select_option("select[name=to]", "v1")
    page.wait_for_url(re.compile(r"to=v1"))
    assert "Would create keepwf/production/hello-alert/v4" in page.inner_text("main")
    page.fill("input[name=reason]", "v3 handles nothing")
    _shot(page, "rollback")
    page.check("input[name=confirm]")
    page.click("button.danger")
    page.wait_for_selector("p.ok")
    assert "Created keepwf/production/hello-alert/v4" in page.inner_text("p.ok")
    _shot(page, "rollback-done")
    tag = repo.git("for-each-ref", "--format=%(contents)", "refs/tags/keepwf/production/hello-alert/v4")
    assert "v3 handles nothing" in tag and "Keepwf-Action: rollback" in tag
    assert repo.git("rev-parse", "keepwf/production/hello-alert/v4^{commit}") == \
        repo.git("rev-parse", "keepwf/production/hello-alert/v1^{commit}")

    # a run recorded by another process appears without a reload
    page.goto(url + "workflows/hello-alert")
    before = page.locator("#runs tbody tr").count()
    _keepwf(repo, "run", "hello-alert", n=4)
    page.wait_for_function(f"document.querySelectorAll('#runs tbody tr').length > {before}", timeout=15000)
    assert page.locator("#runs tbody tr").first.locator("td:nth-child(3)").inner_text() == "v4"

    # the run page: steps, version, link back
    page.locator("#runs tbody tr").first.locator("a").click()
    page.wait_for_selector("dl.facts")
    assert "v4" in page.inner_text("dl.facts") and "ran" in page.inner_text("table.grid")
    _shot(page, "run")
    page.goto(url + "audit")
    assert page.locator("#audit tbody tr").count() == 5  # 3 + 1 deploys, 1 rollback
    _shot(page, "audit")


def test_forms_need_csrf_and_pages_fit_a_narrow_window(site, browser):
    import urllib.error
    import urllib.request

    repo, url = site
    req = urllib.request.Request(url + "workflows/hello-alert/rollback", method="POST",
                                 data=b"reason=x&confirm=yes&to=v1&env=production",
                                 headers={"Origin": url.rstrip("/"), "Content-Type": "application/x-www-form-urlencoded"})
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(req)
    assert e.value.code == 403
    assert repo.git("tag", "-l", "keepwf/production/hello-alert/v4") == ""  # nothing was created
    page = browser.new_page(viewport={"width": 390, "height": 800})
    for path, name in [("", "narrow-workflows"), ("workflows/hello-alert", "narrow-workflow")]:
        page.goto(url + path)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1, f"{path or '/'} is {overflow}px wider than a 390px window"
        _shot(page, name)
    page.goto(url + "runs/01ZZZZZZZZZZ")
    assert "no run with id" in page.inner_text("main")
