"""Issue 23, item 5: alerts. A run with a regression or a budget breach on a chosen branch posts
a JSON message to each webhook of the budget file's alerts: section, from `perfbudget run`,
`perfbudget check` and the pytest session alike; here the webhook is a local HTTP server on
127.0.0.1. Budgets are 1 ns or 10 minutes, regressions come from injected samples: nothing depends
on this machine's speed."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Iterator

import pytest

from perfbudget._core import Result


class Webhook:
    """A local webhook: answers each POST with the next of `statuses` (the last one repeats)
    and keeps what it received."""

    def __init__(self) -> None:
        self.statuses = [200]
        self.received: list[dict[str, Any]] = []
        webhook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the http.server name
                body = self.rfile.read(int(self.headers["Content-Length"]))
                webhook.received.append({"path": self.path,
                                         "content_type": self.headers["Content-Type"],
                                         "body": json.loads(body)})
                status = webhook.statuses.pop(0) if len(webhook.statuses) > 1 \
                    else webhook.statuses[0]
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def webhook() -> Iterator[Webhook]:
    server = Webhook()
    yield server
    server.close()


def closed_port() -> int:
    """A port of 127.0.0.1 that nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def environment(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The environment of a run on branch main, outside git, without a proxy between."""
    for name in list(os.environ):
        if name.lower().endswith("_proxy") or name.startswith(("GITHUB_", "CI_", "PERFBUDGET_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("PERFBUDGET_BRANCH", "main")
    monkeypatch.setenv("GITHUB_SHA", "0123abcd")
    return dict(os.environ)


def budget_file(directory: Path, alerts: str, p95: str = "1ns") -> Path:
    path = directory / "perfbudget.yml"
    path.write_text(f"version: 1\nbudgets:\n  parse:\n    latency: {{p95: {p95}}}\n"
                    f"    regression: {{threshold: 5%, critical: 10%}}\nalerts:\n{alerts}",
                    encoding="utf-8")
    return path


def samples(centre: float) -> list[float]:
    return [centre * (1 + 0.01 * ((i % 11) - 5) / 5) for i in range(30)]


def check(cli: Path, directory: Path, centre: float, env: dict[str, str],
          baseline: bool = True) -> subprocess.CompletedProcess[str]:
    """`perfbudget check` of benchmark parse at median `centre` ns against a baseline at
    1000 ns."""
    Result.write_json([Result.from_samples("parse", samples(centre))], directory / "now.json")
    Result.write_json([Result.from_samples("parse", samples(1000.0))], directory / "base.json")
    args = [str(cli), "check", "now.json", "--budget", "perfbudget.yml",
            "--history", "h.sqlite"]
    if baseline:
        args += ["--baseline", "base.json"]
    return subprocess.run(args, cwd=directory, env=env, capture_output=True, text=True,
                          timeout=120)


def test_slack_message_of_a_breach_and_a_regression(cli: Path, tmp_path: Path,
                                                    webhook: Webhook,
                                                    environment: dict[str, str]) -> None:
    budget_file(tmp_path, f"  - url: {webhook.url}/services/T0/B0/SECRET?token=hidden\n",
                p95="1100ns")
    done = check(cli, tmp_path, 1300.0, environment)
    assert done.returncode == 1
    assert len(webhook.received) == 1
    message = webhook.received[0]
    assert message["path"] == "/services/T0/B0/SECRET?token=hidden"
    assert message["content_type"] == "application/json"
    assert list(message["body"]) == ["text"]
    lines = message["body"]["text"].split("\n")
    assert lines[0] == "perfbudget: 1 regression and 1 budget breach on main at 0123abcd"
    assert lines[1].startswith("FAIL parse: p95 ") and lines[1].endswith(" > 1.1 µs budget")
    assert lines[2].startswith("FAIL parse: median ")
    assert lines[2].endswith("regression (critical)")
    # the address is said without its secret
    assert f"perfbudget: alert: sent to {webhook.url}/...\n" in done.stdout
    assert "SECRET" not in done.stdout + done.stderr
    assert "hidden" not in done.stdout + done.stderr


def test_generic_message_has_the_figures(cli: Path, tmp_path: Path, webhook: Webhook,
                                         environment: dict[str, str]) -> None:
    budget_file(tmp_path, f"  - url: {webhook.url}/perf\n    format: generic\n"
                          f"    events: [regression]\n", p95="10min")
    done = check(cli, tmp_path, 1300.0, environment)
    assert done.returncode == 1, done.stdout + done.stderr
    assert len(webhook.received) == 1
    body = webhook.received[0]["body"]
    assert body["source"] == "perfbudget"
    assert (body["branch"], body["commit"], body["verdict"]) == ("main", "0123abcd", "fail")
    assert body["tests"] == ["parse"]
    [finding] = body["findings"]
    assert finding["test"] == "parse"
    assert (finding["kind"], finding["metric"], finding["verdict"]) == \
        ("regression", "median", "fail")
    assert finding["severity"] == "critical"
    assert finding["unit"] == "ns"
    assert finding["baseline"] == pytest.approx(1000.0, rel=0.02)
    assert finding["measured"] == pytest.approx(1300.0, rel=0.02)
    assert finding["change_pct"] == pytest.approx(30.0, abs=1.0)
    assert finding["p"] < 0.05
    assert finding["allowed"] is None
    assert body["text"].startswith("perfbudget: 1 regression on main")


def test_no_message_on_another_branch(cli: Path, tmp_path: Path, webhook: Webhook,
                                      environment: dict[str, str]) -> None:
    budget_file(tmp_path, f"  - url: {webhook.url}/hook\n    branches: [main, \"release/*\"]\n")
    environment["PERFBUDGET_BRANCH"] = "feature/faster-parse"
    done = check(cli, tmp_path, 1000.0, environment, baseline=False)
    assert done.returncode == 1  # the breach
    assert webhook.received == []
    assert "alert" not in done.stdout + done.stderr
    environment["PERFBUDGET_BRANCH"] = "release/2.0"
    check(cli, tmp_path, 1000.0, environment, baseline=False)
    assert len(webhook.received) == 1
    assert "on release/2.0" in webhook.received[0]["body"]["text"]


def test_no_message_when_nothing_regressed(cli: Path, tmp_path: Path, webhook: Webhook,
                                           environment: dict[str, str]) -> None:
    budget_file(tmp_path, f"  - url: {webhook.url}/hook\n", p95="10min")
    done = check(cli, tmp_path, 1000.0, environment)
    assert done.returncode == 0, done.stdout + done.stderr
    assert webhook.received == []
    assert "alert" not in done.stdout + done.stderr


@pytest.mark.parametrize("server", ["error 500", "unreachable"])
def test_undelivered_alert_is_a_warning_and_changes_nothing(
        cli: Path, tmp_path: Path, webhook: Webhook, environment: dict[str, str],
        server: str) -> None:
    url = f"{webhook.url}/hook" if server == "error 500" else \
        f"http://127.0.0.1:{closed_port()}/hook"
    webhook.statuses = [500]
    budget_file(tmp_path, f"  - url: {url}\n    tries: 3\n    timeout: 2s\n", p95="10min")
    quiet = dict(environment, PERFBUDGET_ALERTS="0")
    unsent = check(cli, tmp_path, 1300.0, quiet)
    assert webhook.received == []
    assert "alert: not sent to http://127.0.0.1:" in unsent.stdout
    done = check(cli, tmp_path, 1300.0, environment)
    assert done.returncode == unsent.returncode == 1
    assert done.stdout.split("\n")[0] == unsent.stdout.split("\n")[0]  # the same verdict
    if server == "error 500":
        assert len(webhook.received) == 3
        reason = "HTTP 500"
    else:
        reason = "Couldn't connect to server"
    assert (f"perfbudget: warning: alert to {url[:url.rindex('/')]}/... not delivered after "
            f"3 tries: {reason}\n") in done.stderr


def test_run_sends_once_for_the_command(cli: Path, tmp_path: Path, webhook: Webhook,
                                        environment: dict[str, str]) -> None:
    budget_file(tmp_path, f"  - url: {webhook.url}/hook\n")
    done = subprocess.run([str(cli), "run", "--name", "parse", "--budget", "perfbudget.yml",
                           "--history", "h.sqlite", "--runs", "3", "--", "true"],
                          cwd=tmp_path, env=environment, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 1
    assert len(webhook.received) == 1
    assert "\nFAIL parse: p95 " in webhook.received[0]["body"]["text"]


PYTEST_TESTS = """\
def test_parse(perf):
    perf(sum, range(10))


def test_fine(perf):
    perf(sum, range(10))
"""


@pytest.mark.parametrize("workers", [None, "2"])
def test_pytest_session_sends_once(pytester: pytest.Pytester, webhook: Webhook,
                                   environment: dict[str, str], workers: str | None) -> None:
    pytester.makefile(".yml", perfbudget=(
        "version: 1\nbudgets:\n  test_parse:\n    latency: {median: 1ns}\n"
        "  test_fine:\n    latency: {median: 10min}\n"
        f"alerts:\n  - url: {webhook.url}/hook\n    format: generic\n"))
    pytester.makepyfile(test_it=PYTEST_TESTS)
    args = ["-p", "no:cacheprovider", "--perf-history", "h.sqlite"]
    if workers:
        args += ["-n", workers]
    result = pytester.runpytest_subprocess(*args)
    result.assert_outcomes(passed=1, failed=1)
    assert len(webhook.received) == 1
    body = webhook.received[0]["body"]
    assert body["tests"] == ["test_it.py::test_parse"]
    assert body["findings"][0]["metric"] == "median"
    result.stdout.fnmatch_lines([f"alert: sent to {webhook.url}/..."])


def test_pytest_session_unreachable_webhook_is_a_note(pytester: pytest.Pytester,
                                                      environment: dict[str, str]) -> None:
    url = f"http://127.0.0.1:{closed_port()}/hook"
    pytester.makefile(".yml", perfbudget=(
        "version: 1\nbudgets:\n  test_parse:\n    latency: {median: 1ns}\n"
        f"alerts:\n  - url: {url}\n    tries: 2\n"))
    pytester.makepyfile(test_it="def test_parse(perf):\n    perf(sum, range(10))\n")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--perf-history", "h.sqlite")
    result.assert_outcomes(failed=1)
    assert result.ret == 1
    result.stdout.fnmatch_lines(["warning: alert to http://127.0.0.1:*/... not delivered after "
                                 "2 tries: Couldn't connect to server"])


def test_ctest_session_sends_once_at_its_close(cli: Path, tmp_path: Path, webhook: Webhook,
                                               environment: dict[str, str]) -> None:
    """Under CTest each perf test writes its result into the session and sends nothing; the
    session's cleanup sends one message for the whole run."""
    budget_file(tmp_path, f"  - url: {webhook.url}/hook\n    format: generic\n")
    subprocess.run([str(cli), "session", "open", "session"], cwd=tmp_path, check=True)
    Result.write_json([Result.from_samples("parse", samples(1000.0))], tmp_path / "now.json")
    for _ in range(2):  # a test run twice (a rerun) still gives one run's message
        test = subprocess.run([str(cli), "check", "now.json", "--budget", "perfbudget.yml",
                               "--ctest", "--session", "session"], cwd=tmp_path, env=environment,
                              capture_output=True, text=True, timeout=120)
        assert test.returncode == 1
    assert webhook.received == []
    close = subprocess.run([str(cli), "session", "close", "session", "--budget", "perfbudget.yml",
                            "--history", "h.sqlite"], cwd=tmp_path, env=environment,
                           capture_output=True, text=True, timeout=120)
    assert close.returncode == 0, close.stdout + close.stderr
    assert len(webhook.received) == 1
    assert webhook.received[0]["body"]["tests"] == ["parse"]
    assert f"perfbudget session: alert: sent to {webhook.url}/...\n" in close.stdout


def test_c_suite_runner_sends_once(tmp_path: Path, webhook: Webhook,
                                   environment: dict[str, str]) -> None:
    suite = Path(__file__).resolve().parents[2] / "build" / "examples" / "c" / "checksum_benchmarks"
    if not suite.is_file():
        pytest.skip("the example suite is not built (build/examples/c)")
    (tmp_path / "perfbudget.yml").write_text(
        "version: 1\nbudgets:\n  \"crc32_*\":\n    latency: {median: 1ns}\n"
        f"alerts:\n  - url: {webhook.url}/hook\n    format: generic\n", encoding="utf-8")
    done = subprocess.run([str(suite), "--filter", "crc32_4k", "--budget", "perfbudget.yml",
                           "--history", "h.sqlite", "--rounds", "3", "--min-time", "1ms",
                           "--no-counters"],
                          cwd=tmp_path, env=environment, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 1, done.stdout + done.stderr
    assert len(webhook.received) == 1
    body = webhook.received[0]["body"]
    assert body["tests"] == ["crc32_4k"]
    assert [f["metric"] for f in body["findings"]] == ["median"]
