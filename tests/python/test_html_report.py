"""The HTML report as a browser sees it: opened in headless Chromium (Debian's `chromium`, which
CI installs) with the network shut off, with no console errors, the expected plots in the
rendered page, a working sort, honest axes (no negative tick on a time axis, no two labels of a
plot overlapping, by their rendered bounding boxes), each failing benchmark's reason, and a
screenshot. Skipped where Chromium is missing, unless PERFBUDGET_REQUIRE_CHROMIUM=1 (CI)."""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from perfbudget._core import History, Result, load_budgets, render_report

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


# No network: every host resolves to nothing and the proxy is a closed port, so a page that
# fetched a script, a font or a stylesheet would render without it (and log the failure).
_OFFLINE = ("--host-resolver-rules=MAP * ~NOTFOUND", "--proxy-server=127.0.0.1:9",
            "--disable-background-networking")


def _run(tool: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([tool, "--headless", "--no-sandbox", "--disable-gpu",
                           "--enable-logging=stderr", "--v=0", *_OFFLINE, *args],
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
    assert dom.count('<g class="baseline">') == 1  # decode's baseline, beside its samples
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


# After the report's own script: every text of every plot measured as rendered (getBBox), the
# problems written into the page for the test to read.
_LAYOUT_CHECK = """
<pre id="layout-check"></pre>
<script>
(function () {
  var problems = [];
  document.querySelectorAll('svg.plot').forEach(function (svg, k) {
    var texts = Array.prototype.slice.call(svg.querySelectorAll('text'));
    var boxes = texts.map(function (t) { return t.getBBox(); });
    var view = svg.viewBox.baseVal;
    for (var i = 0; i < texts.length; i++) {
      var a = boxes[i];
      if (a.x < 0 || a.y < 0 || a.x + a.width > view.width + 0.5 || a.y + a.height > view.height + 0.5)
        problems.push('plot ' + k + ': clipped: ' + texts[i].textContent);
      for (var j = i + 1; j < texts.length; j++) {
        var b = boxes[j];
        if (a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height)
          problems.push('plot ' + k + ': overlap: "' + texts[i].textContent + '" and "' +
                        texts[j].textContent + '"');
      }
    }
    svg.querySelectorAll('text.tick').forEach(function (t) {
      if (/^\\s*[-\u2212]/.test(t.textContent)) problems.push('plot ' + k + ': negative tick ' + t.textContent);
    });
    if (svg.querySelectorAll('text.tick').length < 3) problems.push('plot ' + k + ': under 3 ticks');
  });
  var failing = Array.prototype.map.call(document.querySelectorAll('section.fail'), function (s) {
    var reason = s.querySelector('li.reason.fail');
    return s.querySelector('h2').firstChild.textContent.trim() + '=' + (reason ? reason.textContent : '');
  });
  document.getElementById('layout-check').textContent = JSON.stringify({problems: problems, failing: failing});
})();
</script>
"""


def _judged_report(tmp_path: Path, count: int = 4, samples: int = 200) -> str:
    """Results judged by the core: a breached budget, a 2x regression, a warning, a far-away
    budget that must not stretch the axis, an outlier, and a history with a step."""
    budget_file = tmp_path / "perfbudget.yml"
    budget_file.write_text("version: 1\nbudgets:\n"
                           "  decode: {latency: {median: 1ms, p95: {warn: 900us, fail: 5ms}}}\n"
                           "  \"*\": {latency: {median: 100s}}\n", encoding="utf-8")
    budget = load_budgets(budget_file)
    centres = {"decode": 2.5e6, "encode": 40e3, "parse[1000]": 800.0, "parse[100]": 80.0}
    names = list(centres)[:count] + [f"extra[{i}]" for i in range(count - len(centres))]
    centre_of = {name: centres.get(name, 5e3 + 10 * i) for i, name in enumerate(names)}
    history = History(tmp_path / "history.sqlite")
    for run in range(40):  # encode doubles at run 28, within the 30 runs a trend draws
        history.add_run([Result.from_samples(name, [centre_of[name] * (2 if run >= 28 and name == "encode" else 1)
                                                    * (1 + 0.01 * ((run * 7 + i) % 5)) for i in range(10)])
                         for name in names],
                        "pytest", "env", {"commit": f"{run:07d}abcdef", "branch": "main"})

    def spread(centre: float) -> list[float]:
        values = [centre * (1 + 0.03 * ((i * 37) % 11) / 10) for i in range(samples)]
        values[0] = centre * 40  # one outlier: marked at the edge, the axis not stretched
        return values

    baseline = [Result.from_samples(name, spread(centre_of[name])) for name in names]
    results = [Result.from_samples(name, spread(centre_of[name] * (2 if name == "encode" else 1)))
               for name in names]
    for result in results:
        result.conclude(budget=budget, regression=True, baseline=baseline)
    return render_report(results, "html", title="judged", baseline_results=baseline,
                         history=history)


def test_html_plots_are_honest_in_chromium(tmp_path: Path) -> None:
    tool = _chromium()
    report = _judged_report(tmp_path)
    assert "http://" not in report and "https://" not in report  # nothing to fetch
    page = tmp_path / "judged.html"
    page.write_text(report.replace("</body>", _LAYOUT_CHECK + "</body>"), encoding="utf-8")
    shown = _run(tool, "--dump-dom", page.as_uri())
    console = [line for line in shown.stderr.splitlines() if ":CONSOLE" in line]
    assert console == [], "console messages:\n" + "\n".join(console)
    found = re.search(r'<pre id="layout-check">([^<]*)</pre>', shown.stdout)
    assert found is not None and found.group(1), "the layout check did not run"
    check = json.loads(html.unescape(found.group(1)))
    assert check["problems"] == []
    failing = dict(item.split("=", 1) for item in check["failing"])
    assert set(failing) == {"decode", "encode"}
    assert failing["decode"].startswith("FAILmedian 2.5")
    assert "> 1 ms budget" in failing["decode"]
    assert "regression" in failing["encode"] and "95% CI" in failing["encode"]
    assert "threshold 5%" in failing["encode"]
    assert shown.stdout.count('class="plot distribution"') == 4
    assert shown.stdout.count('class="plot trend"') == 4
    assert "step +" in shown.stdout  # encode's doubling, marked on its trend
    assert "(beyond the axis)" in shown.stdout  # the 100 s budget, at the edge
    assert "sample beyond the axis" in shown.stdout  # the outlier, at the edge
    screenshot = tmp_path / "judged.png"
    _run(tool, f"--screenshot={screenshot}", "--window-size=1400,2400", page.as_uri())
    assert screenshot.stat().st_size > 10_000


def test_html_of_100_benchmarks_stays_under_1_mb(tmp_path: Path) -> None:
    """Summaries and a fixed number of points per plot: 100 benchmarks of 10,000 samples each,
    with their baselines and 40 runs of history (more than a trend draws), make a page under
    1 MB."""
    report = _judged_report(tmp_path, count=100, samples=10_000)
    assert report.count('class="plot distribution"') == 100
    assert report.count('class="plot trend"') == 100
    assert len(report.encode("utf-8")) < 1_000_000
