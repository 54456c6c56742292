"""HTTP checks from the contract: a service's health, ready, metrics and docs paths, its probes, its hooks."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping
from typing import Any

from fastapi_stackops.checks.results import Check, CheckFailed, expect
from fastapi_stackops.lazy import requests
from fastapi_stackops.project import Probe, ProjectConfig, ServiceContract

TIMEOUT = 10


PLACEHOLDER = re.compile(r"\{([\w.]+)\}")


def fill(template: Any, values: Mapping[str, Any]) -> Any:
    """Put {marker}, {id}, {user.name}, ... into every string of a probe's path or body.

    A string that is one placeholder alone takes the value as it is (a number
    stays a number in a JSON body); within text, its text. An unknown name stays.
    """
    if isinstance(template, str):
        whole = PLACEHOLDER.fullmatch(template)
        if whole and whole.group(1) in values:
            return values[whole.group(1)]
        return PLACEHOLDER.sub(lambda m: str(values[m.group(1)]) if m.group(1) in values else m.group(0), template)
    if isinstance(template, list):
        return [fill(item, values) for item in template]
    if isinstance(template, dict):
        return {key: fill(item, values) for key, item in template.items()}
    return template


#: Answers that mean the service is not serving yet (a proxy or server still starting), not that it refused.
NOT_SERVING = (502, 503, 504)
#: A health or ready path's status: any from 200 to 399, as Kubernetes' probes and the startup wait count one
#: (`status_code=204` is a health route's too).
SERVING = 0
#: How much of an answer a failure quotes: enough to read a validation error whole.
QUOTED = 400


class NotAnswering(CheckFailed):
    """The service did not answer, or answered that it is not serving yet: worth asking again."""


class WrongStatus(CheckFailed):
    """The service answered another status than the probe expects."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


#: How often a rate-limited answer (429) is asked again, after the wait it names (Retry-After) or a second, at most
#: RATE_LIMIT_WAIT each: an app's limiter (a health route's, of one a second) answers checks asking faster than it allows.
RATE_LIMITED_TRIES = 3
RATE_LIMIT_WAIT = 5.0


def unlimited(send: Callable[[], requests.Response]) -> requests.Response:
    """The answer to a request, asked again while the app's rate limiter answers 429 (a few times): a limit says the
    app serves, and how soon it would answer."""
    response = send()
    for _ in range(RATE_LIMITED_TRIES):
        if response.status_code != 429:
            break
        wait = response.headers.get("Retry-After", "")
        time.sleep(min(float(wait) if wait.replace(".", "", 1).isdigit() else 1.0, RATE_LIMIT_WAIT))
        response = send()
    return response


def run_probe(session: requests.Session, url: str, probe: Probe, values: Mapping[str, Any] = {}) -> requests.Response:  # noqa: B006
    """Send the probe's request and check the answer; raises CheckFailed naming what differed."""
    path = str(fill(probe.path, values))
    what = f"{probe.method} {path}"
    try:
        response = unlimited(lambda: session.request(probe.method, url + path, json=fill(probe.json, values), timeout=TIMEOUT))
    except (requests.ConnectionError, requests.Timeout) as error:
        raise NotAnswering(f"{what}: no answer ({type(error).__name__})") from None
    if response.status_code in NOT_SERVING and probe.status not in NOT_SERVING:
        raise NotAnswering(f"{what} answered {response.status_code}: {response.text[:QUOTED]}")
    serving = probe.status == SERVING and 200 <= response.status_code < 400
    if response.status_code != probe.status and not serving:
        wanted = "2xx or 3xx" if probe.status == SERVING else probe.status
        raise WrongStatus(
            response.status_code, f"{what} answered {response.status_code}, expected {wanted}: {response.text[:QUOTED]}"
        )
    if probe.expect_json or probe.expect_keys:
        try:
            body = response.json()
        except ValueError:
            body = None
        expect(isinstance(body, dict), f"{what} did not answer a JSON object: {response.text[:QUOTED]}")
        missing = [key for key in probe.expect_keys if key not in body]
        expect(not missing, f"{what} answer lacks {', '.join(missing)}: {response.text[:QUOTED]}")
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
        probes.append(Probe(service.health, status=SERVING, name=f"health {service.health}"))
    if service.ready:
        probes.append(Probe(service.ready, status=SERVING, name=f"ready {service.ready}"))
    if service.metrics:
        probes.append(Probe(service.metrics, contains="# TYPE", name=f"metrics {service.metrics}"))
    if service.docs:
        probes.append(Probe(service.docs, contains="<html", name=f"docs {service.docs}"))
    probes += service.probes
    checks: list[Check] = [(f"{service.name}: {p.label}", lambda p=p: _probe_detail(session, url, p)) for p in probes]
    for reference in service.hooks:
        checks.append((f"{service.name}: {reference}", lambda r=reference: config.hook(r)(url)))
    return checks


def answers(url: str, path: str) -> Callable[[], str]:
    """A check that `path` answers 200 at `url` (the entry's health through a proxy)."""
    return lambda: _probe_detail(requests.Session(), url, Probe(path, name=path))


def _probe_detail(session: requests.Session, url: str, probe: Probe) -> str:
    response = run_probe(session, url, probe)
    return f"{response.status_code} in {response.elapsed.total_seconds() * 1000:.0f} ms"
