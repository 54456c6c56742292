"""smoke, persistence-check and ci: they pass on a good stack and fail, by name, on a bad one."""

import io
import re
import xml.etree.ElementTree as ET

import pytest
import requests

from fastapi_stackops import lifecycle
from fastapi_stackops.checks.persistence import persistence_cycles, scenario_writer
from fastapi_stackops.checks.probes import service_checks
from fastapi_stackops.checks.smoke import stack_checks
from fastapi_stackops.stack import Stack
from tests.utils import same_for_every_newcomer
from tests.utils.stacks import run_task

# The service's and the engine's behaviour, the same whoever runs inv: proven once, by the outer run.
pytestmark = same_for_every_newcomer


def junit_counts(path):
    suite = ET.parse(path).getroot().find("testsuite")
    cases = suite.findall("testcase")
    return int(suite.get("tests")), int(suite.get("failures")), [c.get("name") for c in cases if c.find("failure") is not None]


def checks_run(output: str) -> int:
    """How many checks a smoke run printed, passed or failed: counted, never written down."""
    return len(re.findall(r"^  (?:ok  |FAIL) ", output, re.M))


def test_smoke_passes_on_a_healthy_stack_and_writes_junit(postgres_stack, tmp_path):
    report = tmp_path / "smoke.xml"
    result = postgres_stack.inv("smoke", "--junit", str(report))
    # Every check the contract and the Compose files call for ran, and passed.
    expected = len(stack_checks(postgres_stack.stack()))
    assert checks_run(result.stdout) == expected and f"smoke passed: {expected} checks" in result.stdout
    assert junit_counts(report) == (expected, 0, [])


def test_smoke_over_http_only_with_url(postgres_stack):
    url = postgres_stack.url()
    result = run_task("smoke", "--url", url)
    config = postgres_stack.settings.config
    expected = len(service_checks(url, config.service(config.entry), config))
    assert checks_run(result.stdout) == expected and f"smoke passed: {expected} checks" in result.stdout


def test_smoke_fails_naming_ready_when_the_database_is_down(postgres_stack, tmp_path):
    report = tmp_path / "smoke.xml"
    postgres_stack.compose("stop", "db")
    try:
        result = postgres_stack.inv("smoke", "--junit", str(report), check=False)
    finally:
        postgres_stack.compose("start", "db")
    assert result.returncode == 1
    assert result.stdout.strip().splitlines()[-1].startswith("error: smoke failed: api: ready /ready")
    tests, failures, failed = junit_counts(report)
    assert tests == checks_run(result.stdout) and "api: ready /ready" in failed and failures == len(failed)


def test_smoke_fails_when_a_healthy_service_has_logged_an_error(stacks):
    stack = stacks("dev")
    stack.up()
    assert "ok   api: no error in its log" in stack.inv("smoke").stdout  # a healthy start logs none
    # What an unhandled exception leaves on the server's output, while /health stays 200.
    stack.compose("exec", "-T", "api", "sh", "-c", "echo 'Traceback (most recent call last):' > /proc/1/fd/1")
    result = stack.inv("smoke", check=False)
    assert result.returncode == 1
    assert "FAIL api: no error in its log" in result.stdout and "Traceback (most recent call last)" in result.stdout
    assert result.stdout.strip().splitlines()[-1] == "error: smoke failed: api: no error in its log"


def test_smoke_fails_when_the_image_runs_as_root(stacks, engine):
    stack = stacks("ci")
    stack.inv("build")
    # A test image for the purpose: the project's api image, switched to root.
    engine.images.build(fileobj=io.BytesIO(f"FROM {stack.project}-api\nUSER 0\n".encode()), tag=f"{stack.project}-api", rm=True)
    stack.inv("up", "--no-build")
    result = stack.inv("smoke", check=False)
    assert result.returncode == 1
    assert "FAIL api: runs as non-root" in result.stdout and "uid 0 (root)" in result.stdout
    assert "runs as non-root" in result.stdout.strip().splitlines()[-1]


@pytest.mark.parametrize("base", ["dev", "ci"])
def test_persistence_check_passes_over_three_cycles(stacks, tmp_path, base):
    stack = stacks(base)
    stack.up()
    report = tmp_path / "persistence.xml"
    result = stack.inv("persistence-check", "--cycles", "3", "--records", "4", "--junit", str(report))
    assert "persistence check passed: 3 cycles" in result.stdout
    assert junit_counts(report) == (3, 0, [])
    # It deletes what it wrote, and nothing else.
    assert "12 records written so far" in result.stdout
    assert requests.get(stack.url() + "/api/v1/notes", timeout=5).json()["total"] == 0


def test_persistence_check_fails_when_the_volume_is_removed_between_cycles(stacks):
    stack = stacks("dev")
    url = stack.up()
    settings = stack.settings
    running = Stack(settings)

    def restart_losing_data() -> str:
        lifecycle.down(running, volumes=True)
        return lifecycle.up(running, build=False).url

    results = persistence_cycles(3, 2, restart_losing_data, url, scenario_writer(settings.config.persistence, settings.config))
    assert len(results) == 1 and not results[0].ok  # stops at the first failed cycle
    assert "2 of 2 records not read back after down/up" in results[0].detail


def test_persistence_waits_for_a_service_that_does_not_answer_yet(stacks):
    stack = stacks("dev")
    url = stack.up()
    settings = stack.settings

    def restart_without_waiting() -> str:
        # Containers started, the server not listening yet: what a stack without a healthcheck looks like after up.
        stack.compose("down")
        stack.compose("up", "--detach", "--no-build")
        return stack.url()

    writer = scenario_writer(settings.config.persistence, settings.config)
    results = persistence_cycles(2, 2, restart_without_waiting, url, writer, patience=settings.wait_timeout)
    assert [r.ok for r in results] == [True, True], results


def test_ci_passes_end_to_end_and_leaves_nothing_behind(stacks, engine, tmp_path):
    stack = stacks("ci")
    result = stack.inv("ci", "--reports", str(tmp_path), "--cycles", "2")
    assert "ci passed" in result.stdout
    tests, failures, _ = junit_counts(tmp_path / "smoke.xml")
    assert tests >= 16 and failures == 0
    # The service's own tests, in its test image, on the stack's PostgreSQL: none failed, none skipped for want of it.
    (summary,) = re.findall(r"^[= ]*(\d+ passed.*?) in [\d.]+s", result.stdout, re.M)
    assert int(summary.split()[0]) >= 20 and "failed" not in summary and "skipped" not in summary, summary
    assert junit_counts(tmp_path / "persistence.xml") == (2, 0, [])
    label = {"label": f"com.docker.compose.project={stack.project}"}
    assert not engine.containers.list(all=True, filters=label)
    assert not engine.networks.list(filters=label)
    assert not engine.volumes.list(filters=label)
    assert not engine.images.list(name=f"{stack.project}-api")
    assert not engine.images.list(name=f"{stack.project}-api-test")
