"""HTTP checks from the contract: a service's health, ready, metrics and docs paths, its probes, its hooks."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from stackops.lazy import requests
from stackops.project import Probe, ProjectConfig, ServiceContract
from stackops.results import Check, expect

TIMEOUT = 10


def fill(template: Any, values: Mapping[str, str]) -> Any:
    """Put {marker}, {id}, ... into every string of a probe's path or body."""
    if isinstance(template, str):
        for key, value in values.items():
            template = template.replace("{" + key + "}", value)
        return template
    if isinstance(template, list):
        return [fill(item, values) for item in template]
    if isinstance(template, dict):
        return {key: fill(item, values) for key, item in template.items()}
    return template


def run_probe(session: requests.Session, url: str, probe: Probe, values: Mapping[str, str] = {}) -> requests.Response:  # noqa: B006
    """Send the probe's request and check the answer; raises CheckFailed naming what differed."""
    path = fill(probe.path, values)
    response = session.request(probe.method, url + path, json=fill(probe.json, values), timeout=TIMEOUT)
    what = f"{probe.method} {path}"
    expect(
        response.status_code == probe.status,
        f"{what} answered {response.status_code}, expected {probe.status}: {response.text[:200]}",
    )
    if probe.expect_json or probe.expect_keys:
        try:
            body = response.json()
        except ValueError:
            body = None
        expect(isinstance(body, dict), f"{what} did not answer a JSON object: {response.text[:200]}")
        missing = [key for key in probe.expect_keys if key not in body]
        expect(not missing, f"{what} answer lacks {', '.join(missing)}: {response.text[:200]}")
        for key, wanted in fill(dict(probe.expect_json), values).items():
            expect(body.get(key) == wanted, f"{what} answered {key}={body.get(key)!r}, expected {wanted!r}")
    if probe.contains:
        expect(probe.contains in response.text, f"{what} answer does not contain {probe.contains!r}")
    return response


def service_checks(url: str, service: ServiceContract, config: ProjectConfig) -> list[Check]:
    """The smoke checks the contract declares for one service reachable at `url`."""
    session = requests.Session()
    probes: list[Probe] = []
    if service.health:
        probes.append(Probe(service.health, name=f"health {service.health}"))
    if service.ready:
        probes.append(Probe(service.ready, name=f"ready {service.ready}"))
    if service.metrics:
        probes.append(Probe(service.metrics, contains="# TYPE", name=f"metrics {service.metrics}"))
    if service.docs:
        probes.append(Probe(service.docs, contains="<html", name=f"docs {service.docs}"))
    probes += service.probes
    checks: list[Check] = [(f"{service.name}: {p.label}", lambda p=p: _probe_detail(session, url, p)) for p in probes]
    for reference in service.hooks:
        checks.append((f"{service.name}: {reference}", lambda r=reference: config.hook(r)(url)))
    return checks


def _probe_detail(session: requests.Session, url: str, probe: Probe) -> str:
    response = run_probe(session, url, probe)
    return f"{response.status_code} in {response.elapsed.total_seconds() * 1000:.0f} ms"
