"""Smoke and persistence checks: each a named result with its time, reportable as JUnit XML."""

from __future__ import annotations

import time
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import docker
import requests

from ops.console import say
from ops.engine import project_containers
from ops.settings import StackSettings

TIMEOUT = 10
EXPECTED_METRICS = ("http_requests_total", "http_request_duration_seconds_bucket")
# What must never be inside an image: secrets and build-only material.
FORBIDDEN_IN_IMAGE = (
    "/srv/.git",
    "/srv/env",
    "/srv/.env",
    "/srv/tests",
    "/run/secrets/ca_bundle",
    "/srv/requirements",
    "/tmp/service.lock",
)


@dataclass(frozen=True)
class CheckResult:
    name: str
    ok: bool
    seconds: float
    detail: str = ""


class CheckFailed(Exception):
    pass


def run_check(name: str, body: Callable[[], str | None]) -> CheckResult:
    """Run one check; an assertion or request error fails it with its message."""
    start = time.monotonic()
    try:
        detail = body() or ""
        return CheckResult(name, True, time.monotonic() - start, detail)
    except (CheckFailed, AssertionError, requests.RequestException, docker.errors.DockerException) as error:
        return CheckResult(
            name, False, time.monotonic() - start, str(error).splitlines()[0][:300] if str(error) else type(error).__name__
        )


def expect(condition: bool, message: str) -> None:
    if not condition:
        raise CheckFailed(message)


# --- HTTP checks, against any deployment of the service ---


def http_checks(url: str) -> list[tuple[str, Callable[[], str | None]]]:
    session = requests.Session()

    def get(path: str, status: int = 200) -> requests.Response:
        response = session.get(url + path, timeout=TIMEOUT)
        expect(
            response.status_code == status,
            f"GET {path} answered {response.status_code}, expected {status}: {response.text[:200]}",
        )
        return response

    def health():
        get("/health")

    def ready():
        return get("/ready").json().get("revision", "")

    def metrics():
        response = get("/metrics")
        expect(
            response.headers.get("content-type", "").startswith("text/plain"),
            f"/metrics content type is {response.headers.get('content-type')}",
        )
        missing = [name for name in EXPECTED_METRICS if name not in response.text]
        expect(not missing, f"/metrics lacks {', '.join(missing)}")

    def docs():
        expect("swagger" in get("/docs").text.lower(), "/docs does not serve Swagger UI")

    def openapi():
        paths = get("/openapi.json").json().get("paths", {})
        expect("/api/v1/notes" in paths, "/openapi.json does not describe /api/v1/notes")

    def round_trip():
        title = f"smoke {uuid.uuid4().hex[:8]}"
        created = session.post(url + "/api/v1/notes", json={"title": title, "body": "smoke"}, timeout=TIMEOUT)
        expect(created.status_code == 201, f"POST /api/v1/notes answered {created.status_code}: {created.text[:200]}")
        note_id = created.json()["id"]
        read = get(f"/api/v1/notes/{note_id}").json()
        expect(read["title"] == title, f"note {note_id} read back as {read!r}")
        deleted = session.delete(url + f"/api/v1/notes/{note_id}", timeout=TIMEOUT)
        expect(deleted.status_code == 204, f"DELETE answered {deleted.status_code}")
        get(f"/api/v1/notes/{note_id}", status=404)
        return f"note {note_id} created, read, deleted"

    return [
        ("health", health),
        ("ready", ready),
        ("metrics", metrics),
        ("docs", docs),
        ("openapi", openapi),
        ("notes round trip", round_trip),
    ]


# --- Container checks, through the Docker SDK, when the stack is local ---


def container_checks(client: docker.DockerClient, settings: StackSettings) -> list[tuple[str, Callable[[], str | None]]]:
    def api_container():
        containers = [c for c in project_containers(client, settings.project, "api") if c.status == "running"]
        expect(bool(containers), f"no running api container in project {settings.project}")
        return containers[0]

    def non_root():
        container = api_container()
        uid = container.exec_run(["id", "-u"]).output.decode().strip()
        expect(uid.isdigit() and int(uid) != 0, f"the api process runs as uid {uid or '?'} (root)")
        configured = client.images.get(container.attrs["Image"]).attrs["Config"].get("User") or ""
        expect(
            configured.split(":")[0].isdigit() and int(configured.split(":")[0]) >= 10000,
            f"the image's USER is {configured or 'unset'}; expected a numeric UID >= 10000",
        )
        return f"uid {uid}"

    def healthy():
        for container in project_containers(client, settings.project):
            health = (container.attrs["State"].get("Health") or {}).get("Status", "none")
            expect(health == "healthy", f"{container.name} is {container.status}, health {health}")

    def size_budget():
        image = client.images.get(api_container().attrs["Image"])
        size = image.attrs["Size"] / 1e6
        expect(
            size <= settings.image_size_budget_mb,
            f"the api image is {size:.0f} MB, over the {settings.image_size_budget_mb} MB budget (IMAGE_SIZE_BUDGET_MB)",
        )
        return f"{size:.0f} MB of {settings.image_size_budget_mb} MB"

    def no_secrets():
        container = api_container()
        found = [p for p in FORBIDDEN_IN_IMAGE if container.exec_run(["test", "-e", p]).exit_code == 0]
        expect(not found, f"the image holds {', '.join(found)}")
        history = " ".join(str(layer.get("CreatedBy", "")) for layer in client.images.get(container.attrs["Image"]).history())
        expect("BEGIN CERTIFICATE" not in history, "a certificate appears in the image history")

    def hardening():
        host = api_container().attrs["HostConfig"]
        problems = []
        if settings.read_only and not host.get("ReadonlyRootfs"):
            problems.append("root filesystem is writable (READ_ONLY=true)")
        if "ALL" not in (host.get("CapDrop") or []):
            problems.append("capabilities not dropped")
        if not any("no-new-privileges" in opt for opt in host.get("SecurityOpt") or []):
            problems.append("no-new-privileges not set")
        if not host.get("Memory"):
            problems.append("no memory limit")
        if not host.get("PidsLimit"):
            problems.append("no pids limit")
        if (host.get("RestartPolicy") or {}).get("Name") in (None, "", "no"):
            problems.append("no restart policy")
        expect(not problems, "; ".join(problems))
        return "read-only, cap_drop ALL, no-new-privileges, memory and pids limits, restart policy"

    return [
        ("runs as non-root", non_root),
        ("containers healthy", healthy),
        ("image size budget", size_budget),
        ("no env, CA or .git in image", no_secrets),
        ("hardening in effect", hardening),
    ]


def run_checks(
    checks: Iterable[tuple[str, Callable[[], str | None]]], show: Callable[[CheckResult], None] | None = None
) -> list[CheckResult]:
    results = []
    for name, body in checks:
        result = run_check(name, body)
        results.append(result)
        if show:
            show(result)
    return results


def print_result(result: CheckResult) -> None:
    mark = "ok  " if result.ok else "FAIL"
    say(f"  {mark} {result.name:<30} {result.seconds * 1000:7.0f} ms  {result.detail}")


def write_junit(path: Path, suite: str, results: list[CheckResult]) -> None:
    """JUnit XML, as CI systems show test reports: one testcase per check."""
    path.parent.mkdir(parents=True, exist_ok=True)
    failures = sum(not r.ok for r in results)
    root = ET.Element("testsuites", tests=str(len(results)), failures=str(failures))
    element = ET.SubElement(
        root,
        "testsuite",
        name=suite,
        tests=str(len(results)),
        failures=str(failures),
        errors="0",
        time=f"{sum(r.seconds for r in results):.3f}",
    )
    for result in results:
        case = ET.SubElement(element, "testcase", classname=suite, name=result.name, time=f"{result.seconds:.3f}")
        if not result.ok:
            ET.SubElement(case, "failure", message=result.detail).text = result.detail
        elif result.detail:
            ET.SubElement(case, "system-out").text = result.detail
    ET.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)


# --- Persistence: write, down (volumes kept), up, read everything back ---


def write_records(url: str, count: int, tag: str) -> dict[int, str]:
    written = {}
    for index in range(count):
        title = f"persistence {tag} #{index}"
        response = requests.post(url + "/api/v1/notes", json={"title": title, "body": tag}, timeout=TIMEOUT)
        expect(response.status_code == 201, f"POST answered {response.status_code}: {response.text[:200]}")
        written[response.json()["id"]] = title
    return written


def missing_records(url: str, written: dict[int, str]) -> list[str]:
    missing = []
    for note_id, title in written.items():
        response = requests.get(url + f"/api/v1/notes/{note_id}", timeout=TIMEOUT)
        if response.status_code != 200 or response.json().get("title") != title:
            missing.append(f"{note_id} ({response.status_code})")
    return missing


def delete_records(url: str, ids: Iterable[int]) -> None:
    for note_id in ids:
        requests.delete(url + f"/api/v1/notes/{note_id}", timeout=TIMEOUT)


def persistence_cycles(
    cycles: int,
    per_cycle: int,
    restart: Callable[[], str],
    url: str,
    keep: bool = False,
) -> list[CheckResult]:
    """Each cycle writes records, restarts the stack (containers removed, volumes kept), reads all back.

    Only records this run wrote are deleted at the end (unless `keep`).
    """
    tag = uuid.uuid4().hex[:8]
    written: dict[int, str] = {}
    results = []
    try:
        for cycle in range(1, cycles + 1):

            def one_cycle(cycle=cycle):
                nonlocal url
                written.update(write_records(url, per_cycle, f"{tag}-{cycle}"))
                url = restart()
                missing = missing_records(url, written)
                expect(not missing, f"{len(missing)} of {len(written)} records missing after down/up: {', '.join(missing[:5])}")
                return f"{len(written)} records written so far, all read back after down and up"

            result = run_check(f"cycle {cycle}: write, down, up, read back", one_cycle)
            print_result(result)
            results.append(result)
            if not result.ok:
                break
    finally:
        if not keep and written:
            try:
                delete_records(url, written)
            except requests.RequestException:
                say(f"  (could not delete the {len(written)} records written, tag {tag})")
    return results
