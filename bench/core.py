"""What every bench section shares: the rows, the workspace, and running a command timed."""

from __future__ import annotations

import compileall
import shutil
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from fastapi_stackops import StackError
from fastapi_stackops.baseimages import ensure_base_images
from fastapi_stackops.settings import compose_environment
from fastapi_stackops.stack import Stack
from tests.utils import write_env

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Row:
    """One figure and the baseline it is measured against."""

    section: str
    figure: str
    value: float
    unit: str
    baseline: str = ""
    baseline_value: float | None = None
    target: str = ""  # what the project aims for, as text
    met: bool | None = None

    @property
    def ratio(self) -> float | None:
        return self.value / self.baseline_value if self.baseline_value else None


@dataclass
class Bench:
    workspace: Path
    client: object
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex[:6])
    rows: list[Row] = field(default_factory=list)
    rebuild_and_up: float | None = None  # seconds; hot reload's baseline, from the stack section
    layers: dict[str, dict[str, float]] = field(default_factory=dict)  # an image's MB by layer group, for --plot

    def add(self, *args, **kwargs) -> Row:
        row = Row(*args, **kwargs)
        self.rows.append(row)
        return row


# --- running things ---


def timed(command: Sequence[str], cwd: Path, env: dict | None = None) -> float:
    """Seconds a command takes; its output is shown only when it fails."""
    start = time.monotonic()
    result = subprocess.run(command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    seconds = time.monotonic() - start
    if result.returncode != 0:
        raise StackError(f"bench: {' '.join(map(str, command))} failed:\n{result.stdout[-3000:]}")
    return seconds


def inv_command(*args: str) -> list[str]:
    script = Path(sys.executable).parent / "inv"
    return [str(script), *args] if script.exists() else [sys.executable, "-m", "invoke", *args]


def median_of(times: int, measure: Callable[[], float]) -> float:
    return statistics.median(measure() for _ in range(times))


def copy_workspace(target: Path) -> Path:
    """The repository's files (tracked and new, not ignored) copied, so edits never touch the working tree."""
    listed = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    for name in filter(None, listed.split("\0")):
        source = ROOT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    compiled(target)
    return target


def compiled(workspace: Path) -> None:
    """The package and the workspace's tasks.py byte-compiled, as pip leaves an installed package: a user's `inv` reads
    the bytecode, and an editable checkout under PYTHONDONTWRITEBYTECODE (set on the machines here) would compile
    every module at every start instead (~50 ms of `inv up`)."""
    import fastapi_stackops

    compileall.compile_dir(Path(fastapi_stackops.__file__).parent, quiet=1)
    compileall.compile_file(workspace / "tasks.py", quiet=1)


def env_file(bench: Bench, name: str, base: str, **values: str) -> Path:
    """A scratch env file in the workspace, as the tests write theirs: env/<base>.env.docker, a project of its own, `values`."""
    project = f"bench-{bench.run_id}-{name}"
    return write_env(bench.workspace / "env", base=base, name=f"bench-{name}", COMPOSE_PROJECT_NAME=project, **values)


def entry_url(env: Path) -> str:
    """Where the running stack of this env file answers: its entry service's published port."""
    return Stack.of_env(str(env)).url()


def append_line(path: Path, line: str) -> None:
    path.write_text(path.read_text() + line + "\n")


def stack_env(stack: Stack) -> dict:
    return compose_environment(stack.settings, ensure_base_images(stack.settings, stack.model, stack.client, log=lambda _: None))
