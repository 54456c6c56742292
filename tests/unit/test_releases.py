"""releases.py: what a rollback returns to, walked back through the history (pure); a read on the host kept whole."""

import io
import subprocess
import tarfile

import docker
import pytest

from fastapi_stackops import StackError
from fastapi_stackops.ship.releases import (
    READ_SCRIPT,
    Release,
    backup_before,
    returned_to,
    rollback_target,
    whole_read,
)


def release(number: int, image: str, note: str = "deploy") -> Release:
    return Release(number, image, f"x:release-{number}", f"rev{number}", "2026-12-02T00:00:00Z", "me@host", note)


#: Deploys of images a, b, c; then two rollbacks, each going further back.
HISTORY = [release(1, "a"), release(2, "b"), release(3, "c"), release(4, "b", "rollback to 2"), release(5, "a", "rollback to 1")]


@pytest.mark.parametrize(
    ("upto", "to", "target"),
    [
        (3, None, 2),  # serving 3: back to 2
        (4, None, 1),  # serving the rollback to 2: a second rollback goes to 1, not forward to 3
        (3, 1, 1),  # --to 1
        (5, 3, 3),  # --to goes forward when asked by number
        (5, 4, 2),  # --to a rollback: the deploy it returned to
    ],
)
def test_a_rollback_walks_back_through_the_history(upto, to, target):
    releases = HISTORY[:upto]
    assert rollback_target(releases, releases[-1], to).number == target


@pytest.mark.parametrize(
    ("upto", "to", "said"),
    [
        (1, None, "release 1 is the first deployed here; there is nothing earlier to roll back to"),
        (5, None, "release 1 is the first deployed here"),  # serving the rollback to 1
        (3, 9, "no release 9 is recorded here"),
        (4, 2, "release 2 runs the image that serves now (release 4)"),
    ],
)
def test_a_rollback_with_nowhere_to_go_is_refused_in_one_line(upto, to, said):
    releases = HISTORY[:upto]
    with pytest.raises(StackError) as refused:
        rollback_target(releases, releases[-1], to)
    assert said in str(refused.value)


def test_a_rollback_stands_for_the_deploy_it_returned_to_followed_through():
    chained = [*HISTORY, release(6, "b", "rollback to 4")]
    assert returned_to(chained[-1], chained).number == 2


@pytest.mark.parametrize(
    ("target", "restorable"),
    [
        (2, 3),  # back to 2: release 3 backed up before migrating, from 2's schema
        (1, 3),  # back to 1: release 2 took no backup (nothing to migrate), so 3's is the first
        (3, None),  # nothing after 3 backed up
    ],
)
def test_after_a_rollback_the_backup_holding_its_data_is_the_first_one_taken_after_it(target, restorable):
    backed_up = [release(1, "a"), release(2, "b"), Release(3, "c", "x:release-3", "rev3", "t", "me", "deploy", "db-3.sql.gz")]
    backed_up += [Release(4, "b", "x:release-4", "rev2", "t", "me", "rollback to 2", "db-4.sql.gz")]  # a rollback's own
    found = backup_before(backed_up, backed_up[target - 1])
    assert (found.number if found else None) == restorable


class Proxy:
    """A proxy container's exec, as the SDK answers it: each answer in turn, the last one again; and its archive
    endpoint, holding `archived` (None: no such file; b"cut": an archive cut on the way)."""

    def __init__(self, *answers: tuple[int, bytes], archived: bytes | None = b"cut"):
        self.answers = [type("ExecResult", (), {"exit_code": code, "output": output})() for code, output in answers]
        self.archived = archived

    def exec_run(self, command):
        return self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]

    def get_archive(self, path):
        if self.archived is None:
            raise docker.errors.NotFound("no such file")
        if self.archived == b"cut":
            return [b"\0" * 100], {}
        packed = io.BytesIO()
        with tarfile.open(fileobj=packed, mode="w") as archive:
            member = tarfile.TarInfo("releases.jsonl")
            member.size = len(self.archived)
            archive.addfile(member, io.BytesIO(self.archived))
        return [packed.getvalue()], {}


RECORDED = b'{"number": 1, "image": "sha256:a", "tag": "x:release-1", "revision": "r", "time": "t", "by": "me"}\n'


def whole(content: bytes) -> bytes:
    """What READ_SCRIPT prints for a file of that content."""
    return content + b"\n--stackops-read-whole-- %d\n" % len(content)


def test_a_history_that_cannot_be_read_is_said_and_never_taken_for_none():
    from fastapi_stackops.ship.releases import history

    assert history(Proxy((0, whole(b"")))) == []  # a host never deployed to
    with pytest.raises(StackError, match="could not read the release history on the host: .*exit 137"):
        history(Proxy((137, b"")))  # the exec killed: before, 'no release is recorded' while one served
    # docker-py #3332: over an SSH-forwarded socket an exec may answer nothing with exit 0; seen in CI as 'no release
    # of ... is recorded' between two reads that found it. A cut answer is asked again, and never taken for none.
    assert [r.number for r in history(Proxy((0, b""), (0, whole(RECORDED))))] == [1]
    with pytest.raises(StackError, match="came back cut"):
        history(Proxy((0, b"")))
    with pytest.raises(StackError, match="came back cut"):  # its start lost: a shorter history, before
        history(Proxy((0, whole(RECORDED)[20:])))
    # Cut twice, then read as an archive: CI saw three exec answers in a row cut under load.
    assert [r.number for r in history(Proxy((0, b""), archived=RECORDED))] == [1]
    assert history(Proxy((0, b""), archived=None)) == []  # no such file: nothing recorded yet


@pytest.mark.parametrize(
    ("content", "said"),
    [
        ('{"number": 1}\n{"number": 2}\n', '{"number": 1}\n{"number": 2}\n'),
        ("no newline at the end", "no newline at the end"),
        ("", ""),
        (None, ""),  # no such file: nothing recorded yet
    ],
)
def test_the_read_script_comes_back_whole(tmp_path, content, said):
    path = tmp_path / "history"
    if content is not None:
        path.write_text(content)
    output = subprocess.run(["sh", "-c", READ_SCRIPT, "read", str(path)], capture_output=True, check=True).stdout
    assert whole_read(output) == said


@pytest.mark.parametrize(
    "cut",
    [
        b"",  # no output at all, exit 0 (docker-py #3332)
        b'{"number": 2}\n\n--stackops-read-whole-- 28\n',  # its start lost
        b'{"number": 1}\n{"numb',  # its end lost
        b"\n--stackops-read-whole-- \n",  # no size
    ],
)
def test_a_read_cut_on_the_way_is_not_taken_for_the_file(cut):
    assert whole_read(cut) is None
