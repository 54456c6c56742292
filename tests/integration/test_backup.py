"""`inv backup` and `inv restore` on a running stack: write, back up, damage, restore, read every record back."""

import re

import docker
import pytest
import requests

from tests.utils import same_for_every_newcomer

pytestmark = same_for_every_newcomer


@pytest.fixture
def backed_up(stacks, engine):
    """Stacks whose backups volume goes at the end: no task removes it, as it holds what a user asked to keep."""
    made = []

    def make(base):
        made.append(stacks(base))
        return made[-1]

    yield make
    for stack in made:
        stack.inv("clean", "--volumes", "--yes", check=False)
        try:
            engine.volumes.get(f"{stack.project}-backups").remove()
        except docker.errors.NotFound:
            pass


@pytest.mark.parametrize("base", ["dev", "ci"])  # SQLite on a volume; PostgreSQL
def test_a_restore_brings_back_every_record_a_backup_held_and_keeps_what_it_replaced(backed_up, engine, base):
    stack = backed_up(base)
    url = stack.up()
    notes = {requests.post(f"{url}/api/v1/notes", json={"title": f"kept {i}"}, timeout=5).json()["id"] for i in range(5)}
    taken = stack.inv("backup").stdout
    name = re.search(r"backup  \w+ \((sqlite|postgres)\): (\S+),", taken)
    assert name and name.group(1) == ("sqlite" if base == "dev" else "postgres"), taken
    for note in notes:  # the damage: every record gone
        assert requests.delete(f"{url}/api/v1/notes/{note}", timeout=5).status_code == 204
    assert requests.get(f"{url}/api/v1/notes", timeout=5).json()["total"] == 0

    restored = stack.inv("restore", name.group(2)).stdout
    assert f"restored {'api' if base == 'dev' else 'db'} from {name.group(2)}" in restored, restored
    url = stack.url()  # the engine chose the api's port anew when it started again
    for note in notes:
        assert requests.get(f"{url}/api/v1/notes/{note}", timeout=5).json()["title"].startswith("kept ")
    kept = stack.inv("backup", "--list").stdout
    assert name.group(2) in kept and "-before-restore." in kept, kept
    stack.inv("clean", "--volumes", "--yes")  # the stack's data goes, its backups stay
    assert engine.volumes.get(f"{stack.project}-backups")


def test_a_backup_of_a_stack_that_is_not_running_is_refused_in_one_line(backed_up):
    result = backed_up("ci").inv("backup", check=False)
    assert result.returncode == 1
    assert result.stdout.strip().splitlines()[-1].endswith("start the stack first (inv up)"), result.stdout
