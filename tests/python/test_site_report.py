"""The site (`perfbudget report --format site`) as a browser sees it: its index and a
benchmark's page opened from file:// in headless Chromium with the network shut off, checked as
test_html_report.py checks the HTML report (no console message, nothing fetched, no negative
tick on a time axis, no two labels of a plot overlapping by their rendered bounding boxes, each
failing benchmark's reason present), and the index's filters at work. Skipped where Chromium
is missing, unless PERFBUDGET_REQUIRE_CHROMIUM=1 (CI)."""

from __future__ import annotations

import html
import json
import re
import subprocess
from pathlib import Path

from perfbudget._core import History, Result
from test_html_report import _LAYOUT_CHECK, _chromium, _run

# After the index's own scripts: what a reader sees, written into the page for the test to read:
# the failing rows and their reasons, the resources fetched, and the rows each filter keeps.
_INDEX_CHECK = """
<pre id="index-check"></pre>
<script>
(function () {
  function shown() {
    return Array.prototype.filter.call(document.querySelectorAll('#index tbody tr'),
      function (row) { return !row.hidden; }).map(function (row) {
        return row.querySelector('td a').textContent; });
  }
  function choose(name, value) {
    var select = document.querySelector('select[name=' + name + ']');
    select.value = value;
    select.dispatchEvent(new Event('change'));
    var rows = shown();
    select.value = '';
    select.dispatchEvent(new Event('change'));
    return rows;
  }
  var failing = Array.prototype.map.call(document.querySelectorAll('#index td.verdict.fail'),
    function (cell) {
      var row = cell.parentNode, reason = row.querySelector('td.why li.reason.fail');
      return row.querySelector('td a').textContent + '=' + (reason ? reason.textContent : '');
    });
  var problems = [];
  document.querySelectorAll('text.tick').forEach(function (t) {
    if (/^\\s*[-\u2212]/.test(t.textContent)) problems.push('negative tick ' + t.textContent);
  });
  document.getElementById('index-check').textContent = JSON.stringify({
    failing: failing, problems: problems, all: shown(),
    sparklines: document.querySelectorAll('#index svg.spark').length,
    fetched: performance.getEntriesByType('resource').map(function (e) { return e.name; }),
    branch: choose('branch', 'feature'), environment: choose('environment', 'env-py'),
    mode: choose('mode', 'time')});
})();
</script>
"""


def _site(tmp_path: Path, cli: Path) -> Path:
    """A history of a C suite (ctest, on main) and a Python one (pytest, on a branch), 40 runs:
    decode over its budget, encode doubling at run 29, a hostile name."""
    history = History(tmp_path / "history.sqlite")
    c_centres = {"decode": 2.5e6, "encode": 40e3}
    py_centres = {"test_parse[1000]": 800.0, "<script>alert(1)</script>/../x": 5e3}
    for run in range(40):
        def results(centres: dict[str, float]) -> list[Result]:
            return [Result.from_samples(name, [centre * (2 if run >= 28 and name == "encode" else 1)
                                               * (1 + 0.01 * ((run * 7 + i) % 5)) for i in range(12)])
                    for name, centre in centres.items()]
        history.add_run(results(c_centres), "ctest", "env-c",
                        {"commit": f"{run:07d}c0ffee", "branch": "main"})
        history.add_run(results(py_centres), "pytest", "env-py",
                        {"commit": f"{run:07d}beef", "branch": "feature"})
    budget = tmp_path / "perfbudget.yml"
    budget.write_text("version: 1\nbudgets:\n  decode: {latency: {median: 1ms}}\n", encoding="utf-8")
    site = tmp_path / "site"
    shown = subprocess.run([str(cli), "report", "--format", "site", "--title", "site <test>",
                            "--history", str(tmp_path / "history.sqlite"), "--budget", str(budget),
                            "--output", str(site)], capture_output=True, text=True, check=True)
    assert "4 benchmark pages" in shown.stdout
    return site


def _checked(tool: str, page: Path, check: str, marker: str) -> dict:
    """Open the page (with the check appended) offline; its check's findings."""
    checked = page.with_name("checked-" + page.name)  # beside it: its links resolve as the page's
    checked.write_text(page.read_text(encoding="utf-8").replace("</body>", check + "</body>"),
                       encoding="utf-8")
    shown = _run(tool, "--dump-dom", checked.as_uri())
    console = [line for line in shown.stderr.splitlines() if ":CONSOLE" in line]
    assert console == [], "console messages:\n" + "\n".join(console)
    found = re.search(rf'<pre id="{marker}">([^<]*)</pre>', shown.stdout)
    assert found is not None and found.group(1), "the check did not run"
    checked.unlink()
    return json.loads(html.unescape(found.group(1)))


def test_site_index_in_chromium(tmp_path: Path, cli: Path) -> None:
    tool = _chromium()
    site = _site(tmp_path, cli)
    index = site / "index.html"
    assert "http://" not in index.read_text(encoding="utf-8")
    check = _checked(tool, index, _INDEX_CHECK, "index-check")
    assert check["fetched"] == []  # nothing loaded from anywhere: works offline, from file://
    assert check["problems"] == []
    assert sorted(check["all"]) == sorted(["decode", "encode", "test_parse[1000]",
                                           "<script>alert(1)</script>/../x"])
    failing = dict(item.split("=", 1) for item in check["failing"])
    assert set(failing) == {"decode"}
    assert failing["decode"].startswith("FAILmedian 2.5") and "> 1 ms budget" in failing["decode"]
    assert check["sparklines"] == 4
    assert sorted(check["branch"]) == ["<script>alert(1)</script>/../x", "test_parse[1000]"]
    assert sorted(check["environment"]) == sorted(check["branch"])
    assert len(check["mode"]) == 4
    screenshot = tmp_path / "index.png"
    _run(tool, f"--screenshot={screenshot}", "--window-size=1400,900", index.as_uri())
    assert screenshot.stat().st_size > 10_000


def test_site_benchmark_page_in_chromium(tmp_path: Path, cli: Path) -> None:
    tool = _chromium()
    site = _site(tmp_path, cli)
    index = site.joinpath("index.html").read_text(encoding="utf-8")
    pages = dict(re.findall(r'<a href="([^"]+)">([^<]+)</a>', index))
    assert all(re.fullmatch(r"b\d{4}-[A-Za-z0-9_-]*\.html", page) for page in pages)
    by_name = {html.unescape(name): page for page, name in pages.items()}
    for name in ("decode", "encode"):
        check = _checked(tool, site / by_name[name], _LAYOUT_CHECK, "layout-check")
        assert check["problems"] == []
        failing = dict(item.split("=", 1) for item in check["failing"])
        if name == "decode":
            assert set(failing) == {"decode"} and "> 1 ms budget" in failing["decode"]
        else:
            assert failing == {}
    encode = (site / by_name["encode"]).read_text(encoding="utf-8")
    assert encode.count('class="plot trend"') == 1
    assert encode.count('class="plot distribution"') == 1
    # the doubling, in the steps' table and on the index as the last change
    assert re.search(r'<tr class="step"><td>\d+</td><td>0000028c0ff', encode)
    steps = encode.split('<table class="steps">')[1].split("</table>")[0]
    assert len(re.findall(r"\+(?:9\d|10\d)\.\d %", steps)) == 1
    assert re.search(r"\+(?:9\d|10\d)\.\d % at run \d+", index)
