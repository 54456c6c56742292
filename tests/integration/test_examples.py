"""Each example is a user's repository adopting stackops: `inv ci` passes from its own folder."""

import pytest

from tests.utils import ROOT, same_for_every_newcomer
from tests.utils.stacks import run_task

EXAMPLES = sorted(p.name for p in (ROOT / "examples").iterdir() if (p / "pyproject.toml").is_file())


def test_there_are_examples():
    assert EXAMPLES == ["multi-service", "sqlite-async"]


@same_for_every_newcomer  # about a minute per example; who runs inv changes nothing in them
@pytest.mark.parametrize("example", EXAMPLES)
def test_inv_ci_passes_from_the_example_folder(example, engine, tmp_path):
    result = run_task("ci", "--reports", str(tmp_path), cwd=ROOT / "examples" / example, timeout=900)
    assert "ci passed" in result.stdout
    assert "cycle 2: write, down, up, read back" in result.stdout
    assert "FAIL" not in result.stdout
    project = f"{'ledger' if example == 'sqlite-async' else 'trading'}-ci"
    assert not engine.containers.list(all=True, filters={"label": f"com.docker.compose.project={project}"})
