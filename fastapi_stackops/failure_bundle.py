"""What a red `inv ci` leaves in its reports folder before it cleans: the step that failed and why, each container's
logs, `inspect` and health-check history, the rendered Compose model and the env files used; secret values masked
everywhere. A run that passes leaves none. With GITHUB_STEP_SUMMARY set, each step's outcome goes there too."""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from fastapi_stackops.console import say
from fastapi_stackops.stack import Stack

SECRET_NAMED = re.compile(r"PASSWORD|SECRET|TOKEN|KEY|CREDENTIAL|DSN|PRIVATE", re.IGNORECASE)
IN_A_URL = re.compile(r"(://[^:/@\s]*:)[^@\s]+@")
LOG_LINES = 400


def secret_values(stack: Stack) -> set[str]:
    """The env files' values that are secrets by their variable's name (short ones would mask ordinary words)."""
    return {entry.value for name, entry in stack.settings.values.items() if SECRET_NAMED.search(name) and len(entry.value) >= 4}


def masked(text: str, secrets: set[str]) -> str:
    """The text with every secret value, and any password inside a URL, replaced by ***."""
    for secret in sorted(secrets, key=len, reverse=True):
        text = text.replace(secret, "***")
    return IN_A_URL.sub(r"\1***@", text)


@dataclass
class Run:
    """The steps of one ci run as they go: the one under way, each one's time, and the cause of a failure."""

    steps: list[tuple[str, float, str]] = field(default_factory=list)  # (name, seconds, outcome)
    current: str = ""
    started: float = 0.0
    cause: str = ""
    checks: list[tuple[str, object]] = field(default_factory=list)  # (step, CheckResult)

    def step(self, name: str) -> None:
        self.close("passed")
        self.current, self.started = name, time.monotonic()

    def close(self, outcome: str) -> None:
        if self.current:
            self.steps.append((self.current, time.monotonic() - self.started, outcome))
            self.current = ""

    def failed(self, cause: str) -> None:
        self.cause = cause
        self.close("failed")

    def judged(self, results: list) -> bool:
        """The step's checks (CheckResults), kept for the summaries; a failing one fails the step, named with its why."""
        self.checks += [(self.current, result) for result in results]
        failing = [f"{r.name}: {r.detail}" if r.detail else r.name for r in results if not r.ok]
        if failing:
            self.failed(f"{self.current} failed: {failing[0]}" + (f" (and {len(failing) - 1} more)" if failing[1:] else ""))
        return not failing

    def skipped(self, why: str) -> None:
        """The step under way could give no verdict: said, and no failure."""
        say(f"  skipped      {self.current}: {why}")
        self.close("skipped")


def write_bundle(stack: Stack, folder: Path, run: Run) -> Path:
    """The failure bundle, every file masked: summary.txt, compose.json, and per container its log and inspect."""
    bundle, secrets = folder / "failure", secret_values(stack)
    bundle.mkdir(parents=True, exist_ok=True)
    files = ", ".join(str(path) for path in stack.settings.files)
    steps = "\n".join(f"{name}: {outcome} ({seconds:.1f}s)" for name, seconds, outcome in run.steps)
    checks = "".join(f"{step} {r.name}: {'ok' if r.ok else 'FAILED'} {r.detail}\n" for step, r in run.checks)
    summary = f"failed: {run.cause}\nenv files: {files}\n\n{steps}\n" + (f"\n{checks}" if checks else "")
    (bundle / "summary.txt").write_text(masked(summary, secrets))
    rendered = stack.compose(["config", "--format", "json"], capture=True, check=False).stdout
    (bundle / "compose.json").write_text(masked(rendered, secrets))
    for container in stack.look_again().containers():
        logs = container.logs(tail=LOG_LINES, timestamps=True).decode(errors="replace")
        (bundle / f"{container.name}.log").write_text(masked(logs, secrets))
        (bundle / f"{container.name}.inspect.json").write_text(masked(json.dumps(container.attrs, indent=2), secrets))
        history = (container.attrs.get("State", {}).get("Health") or {}).get("Log") or []
        lines = [f"{h.get('Start', '')[:19]} exit {h.get('ExitCode')}: {h.get('Output', '').strip()[:300]}" for h in history]
        (bundle / f"{container.name}.health.txt").write_text(masked("\n".join(lines) + "\n", secrets))
    return bundle


def step_summary(run: Run, secrets: set[str]) -> None:
    """The run's steps and checks as Markdown where GitHub Actions shows it on the run's page (GITHUB_STEP_SUMMARY)."""
    target = os.environ.get("GITHUB_STEP_SUMMARY")
    if not target:
        return
    rows = "".join(f"| {name} | {outcome} | {seconds:.1f}s |\n" for name, seconds, outcome in run.steps)
    verdict = f"**failed**: {run.cause}" if run.cause else "**passed**"
    text = f"### inv ci: {verdict}\n\n| step | outcome | time |\n| --- | --- | --- |\n{rows}\n"
    if run.checks:
        cell = str.maketrans({"|": "/", "\n": " "})
        checks = "".join(
            f"| {step} | {r.name.translate(cell)} | {'ok' if r.ok else 'failed'} | {r.seconds:.2f}s | {r.detail.translate(cell)} |\n"
            for step, r in run.checks
        )
        text += f"| step | check | outcome | time | detail |\n| --- | --- | --- | --- | --- |\n{checks}\n"
    with open(target, "a") as summary:
        summary.write(masked(text, secrets))


@contextmanager
def kept_on_failure(stack: Stack, folder: Path) -> Iterator[Run]:
    """A ci run's steps; a step that raises, or one marked failed, leaves the bundle before the caller cleans."""
    run = Run()
    try:
        yield run
    except BaseException as error:
        run.failed(str(error).splitlines()[0] if str(error) else type(error).__name__)
        raise
    finally:
        run.close("passed")
        if run.cause:
            try:
                say(
                    f"  failure bundle: {write_bundle(stack, folder, run)} (logs, inspect, health, Compose model; secrets masked)"
                )
            except Exception as error:  # the bundle is a help, never the failure's cause
                say(f"  no failure bundle: {type(error).__name__}: {error}")
        step_summary(run, secret_values(stack))
