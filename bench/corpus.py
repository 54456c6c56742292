"""The corpus trial: `fastapi-stackops init` then `inv ci` on real repositories nobody here wrote, as a new user runs them.

Each repository named in bench/corpus.toml is cloned fresh from its snapshot in the corpus folder, its Docker files are
removed (unless the entry keeps them), and init then `inv ci` run with a timeout. Each outcome is one of: green (no
edit, no flag), green with one flag, refused in one line, or failed (the step and its last words). CI cannot fetch
repositories, so this runs only here, from a folder of snapshots: `inv bench --corpus DIR`.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import tomllib
import uuid
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from bench.core import ROOT, inv_command
from fastapi_stackops import StackError
from fastapi_stackops.adopt.conventions import INVOKE, task_runner
from fastapi_stackops.console import say

MANIFEST = ROOT / "bench" / "corpus.toml"
DOCKER_FILE = re.compile(r"^(Dockerfile.*|.*\.Dockerfile|\.dockerignore|(docker-)?compose[\w.-]*\.ya?ml)$", re.I)
INIT_TIMEOUT, CI_TIMEOUT = 900, 1200


@dataclass(frozen=True)
class Entry:
    name: str  # owner/name
    folder: str = ""  # the service's folder in a monorepo
    flags: tuple[str, ...] = ()
    keep_docker: bool = False

    @property
    def snapshot(self) -> str:
        return self.name.replace("/", "+")


@dataclass
class Outcome:
    name: str
    outcome: str  # green, green with a flag, refused, failed at init, failed at ci
    seconds: float
    init_seconds: float = 0.0
    last_words: str = ""
    findings: list[str] = field(default_factory=list)


def entries(pick: str = "") -> list[Entry]:
    listed = tomllib.loads(MANIFEST.read_text())["repository"]
    chosen = [
        Entry(e["name"], e.get("folder", ""), tuple(e.get("flags", ())), e.get("keep-docker", False))
        for e in listed
        if not pick or any(p.strip().lower() in e["name"].lower() for p in pick.split(","))
    ]
    if not chosen:
        raise StackError(f"bench: no repository in {MANIFEST.name} matches {pick!r}")
    return chosen


def clone(entry: Entry, corpus: Path, workspace: Path) -> Path:
    """A fresh clone of the snapshot (DIR/owner+name/repo as fetched, or DIR/owner+name), its Docker files removed."""
    source = corpus / entry.snapshot
    # fetch leaves a git directory (repo/HEAD) or, for some, a checkout (repo/.git)
    source = source / "repo" if (source / "repo" / "HEAD").is_file() or (source / "repo" / ".git").exists() else source
    if not source.exists():
        raise StackError(f"bench: no snapshot of {entry.name} at {source}; fetch it into {corpus}")
    target = workspace / entry.snapshot
    cloned = subprocess.run(["git", "clone", "--quiet", str(source), str(target)], capture_output=True, text=True)
    if cloned.returncode != 0 and not target.exists():
        raise StackError(f"bench: {entry.name}'s snapshot does not clone: {cloned.stderr.strip()}")
    if cloned.returncode != 0:  # a snapshot lacks its files of 4 MiB and more: the rest is checked out
        subprocess.run(["git", "-C", str(target), "checkout", "-f", "HEAD"], capture_output=True)
    if not entry.keep_docker:
        removed = [p for p in target.rglob("*") if DOCKER_FILE.match(p.name) and ".git" not in p.parts and p.is_file()]
        for path in removed:
            path.unlink()
        git = ["git", "-C", str(target), "-c", "user.name=bench", "-c", "user.email=bench@example.com"]
        # Dated as the repository's last commit: the trial's own commit must not move what init reads off the history.
        last = subprocess.run([*git, "log", "-1", "--format=%cI"], capture_output=True, text=True).stdout.strip()
        dated = {**os.environ, "GIT_AUTHOR_DATE": last, "GIT_COMMITTER_DATE": last}
        commit = [*git, "commit", "-q", "-a", "-m", "Docker files removed for the trial", "--allow-empty"]
        subprocess.run(commit, check=True, env=dated)
    return target / entry.folder if entry.folder else target


def last_words(output: str, lines: int = 3) -> str:
    kept = [line.strip() for line in output.splitlines() if line.strip()]
    return " / ".join(kept[-lines:])[-600:]


def run(command: list[str], cwd: Path, timeout: int, env: dict | None = None) -> tuple[int, str, str]:
    try:
        done = subprocess.run(
            command, cwd=cwd, capture_output=True, text=True, timeout=timeout, env={**os.environ, **(env or {})}
        )
        return done.returncode, done.stdout, done.stderr
    except subprocess.TimeoutExpired as expired:
        out = expired.stdout.decode() if isinstance(expired.stdout, bytes) else expired.stdout or ""
        return -1, out, f"timed out after {timeout} s"


def stackops_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "fastapi_stackops.cli", *args]


def init_outcome(code: int, err: str) -> str:
    """How an init that stopped sorts: refused, in one line; else failed. A defect of init's own is one line too, yet
    no refusal."""
    refused = code == 1 and len(err.strip().splitlines()) == 1 and "a defect of its own" not in err
    return "refused" if refused else "failed at init"


def trial(entry: Entry, corpus: Path, workspace: Path, logs: Path) -> Outcome:
    """init, then inv ci, on a fresh clone; the outcome sorted, and what ci started cleaned with its volumes. Each
    step's whole output goes to logs/<owner+name>.log."""
    started = time.monotonic()
    repo = clone(entry, corpus, workspace)
    log = logs / f"{entry.snapshot}.log"
    code, out, err = run(stackops_command("init", ".", *entry.flags), repo, INIT_TIMEOUT)
    log.write_text(f"$ fastapi-stackops init . {' '.join(entry.flags)}\n{out}{err}")
    init_seconds = time.monotonic() - started
    findings = [line.strip() for line in out.splitlines() if line.startswith("  ")]
    if code != 0:
        return Outcome(
            entry.name, init_outcome(code, err), time.monotonic() - started, init_seconds, last_words(out + err), findings
        )
    project = {"COMPOSE_PROJECT_NAME": f"corpus-{uuid.uuid4().hex[:6]}"}
    # As init's last line says: inv, or fastapi-stackops where the repository's tasks.py is its own.
    tasks = inv_command if task_runner(repo) == INVOKE else stackops_command
    try:
        code, out, err = run(tasks("ci", "--reports", str(workspace / "reports")), repo, CI_TIMEOUT, project)
        log.write_text(log.read_text() + f"\n$ {task_runner(repo)} ci\n{out}{err}")
    finally:
        run(tasks("clean", "--env", "ci", "--volumes", "--yes"), repo, 300, project)
    green = code == 0 and "ci passed" in out
    kind = ("green with a flag" if entry.flags else "green") if green else "failed at ci"
    return Outcome(entry.name, kind, time.monotonic() - started, init_seconds, "" if green else last_words(out + err), findings)


def markdown(outcomes: list[Outcome]) -> str:
    lines = ["| repository | outcome | time | init | last words |", "|---|---|---|---|---|"]
    for o in outcomes:
        words = o.last_words.replace("|", "\\|")
        lines.append(f"| {o.name} | {o.outcome} | {o.seconds:.0f} s | {o.init_seconds:.0f} s | {words} |")
    green = sum(o.outcome == "green" for o in outcomes)
    lines.append(f"\n{green} of {len(outcomes)} green with no edit and no flag.")
    return "\n".join(lines)


def run_corpus(corpus: Path, pick: str = "") -> Path:
    """Try every chosen repository in turn; the table is printed and written as JSON (and Markdown) under bench/runs/."""
    import tempfile

    outcomes, stamp = [], f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}"
    logs = ROOT / "bench" / "runs" / f"corpus-{stamp}"
    logs.mkdir(parents=True)
    with tempfile.TemporaryDirectory(prefix="stackops-corpus-") as scratch:
        for entry in entries(pick):
            say(f"corpus: {entry.name}{'/' + entry.folder if entry.folder else ''}")
            outcome = trial(entry, corpus.resolve(), Path(scratch), logs)
            say(f"  {outcome.outcome} in {outcome.seconds:.0f} s{': ' + outcome.last_words if outcome.last_words else ''}")
            outcomes.append(outcome)
    text = markdown(outcomes)
    say("\n" + text)
    output = logs.with_suffix(".json")
    output.write_text(json.dumps([asdict(o) for o in outcomes], indent=1))
    output.with_suffix(".md").write_text(text + "\n")
    say(f"written to {output.relative_to(ROOT)}")
    return output
