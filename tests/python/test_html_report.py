"""The HTML report as a browser sees it: opened in headless Chromium (Debian's `chromium`, which
CI installs), with no console errors, the expected plots in the rendered page, a working sort,
and a screenshot. Skipped where Chromium is missing, unless PERFBUDGET_REQUIRE_CHROMIUM=1 (CI)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from perfbudget._core import History, Result, render_report

_PAGE_CHECK = """
<script>
// After the report's own script: sort by median (ascending), then record the order.
document.querySelectorAll('#summary th')[1].click();
document.title = 'order:' + Array.prototype.map.call(
    document.querySelectorAll('#summary tbody tr td:first-child'),
    function (td) { return td.textContent; }).join('|');
</script>
"""


def _chromium() -> str:
    tool = shutil.which("chromium") or shutil.which("chromium-browser")
    if tool is None:
        if os.environ.get("PERFBUDGET_REQUIRE_CHROMIUM") == "1":
            pytest.fail("chromium is not installed, and PERFBUDGET_REQUIRE_CHROMIUM=1")
        pytest.skip("chromium is not installed")
    return tool


def _run(tool: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([tool, "--headless", "--no-sandbox", "--disable-gpu",
                           "--enable-logging=stderr", "--v=0", *args],
                          capture_output=True, text=True, timeout=120, check=True)


def _report(tmp_path: Path) -> str:
    names = ["decode", "<script>alert(1)</script>", "encode"]
    centres = [2.5e6, 800.0, 40e3]
    history = History(tmp_path / "history.sqlite")
    for run in range(4):  # a history for the trends: encode 30 % slower from the third run
        history.add_run([Result.from_samples(name, [centre * (1.3 if run >= 2 and name == "encode" else 1)
                                                    * (1 + 0.001 * i) for i in range(10)])
                         for name, centre in zip(names, centres)],
                        "pytest", "env", {"commit": f"{run:07d}abc", "branch": "main"})
    results = [Result.from_samples(name, [centre * (1 + 0.002 * i) for i in range(20)])
               for name, centre in zip(names, centres)]
    baseline = [Result.from_samples("decode", [2.4e6 * (1 + 0.002 * i) for i in range(20)])]
    return render_report(results, "html", title="perfbudget <test>", baseline_results=baseline,
                         history=history)


def test_html_report_in_chromium(tmp_path: Path) -> None:
    tool = _chromium()
    page = tmp_path / "report.html"
    page.write_text(_report(tmp_path).replace("</body>", _PAGE_CHECK + "</body>"), encoding="utf-8")

    shown = _run(tool, "--dump-dom", page.as_uri())
    console = [line for line in shown.stderr.splitlines() if ":CONSOLE" in line]
    assert console == [], "console messages:\n" + "\n".join(console)
    dom = shown.stdout
    assert dom.count('class="plot distribution"') == 3
    assert dom.count('class="plot trend"') == 3
    assert dom.count('class="baseline"') == 20  # decode's baseline samples
    # the name is text in the page, not a script that ran
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in dom
    # the sortable table, sorted by median by its own script
    order = re.search(r"<title>order:([^<]*)</title>", dom)
    assert order is not None, "the page's check script did not run"
    assert order.group(1) == "&lt;script&gt;alert(1)&lt;/script&gt;|encode|decode"

    screenshot = tmp_path / "report.png"
    _run(tool, f"--screenshot={screenshot}", "--window-size=1000,1400", page.as_uri())
    assert screenshot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert screenshot.stat().st_size > 10_000  # a rendered page, not a blank one
