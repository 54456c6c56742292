"""tests/utils/reaper.py: which Compose projects a killed test run made, and so removes; never another's."""

import pytest

from tests.utils.reaper import FILES, PROJECT, made_by_the_run, named_projects

SINCE = 1_800_000_000.0  # 2027-01-15T08:00:00Z


def container(project, files, created="2027-01-15T09:00:00.123456789Z"):
    return {"Created": created, "Config": {"Labels": {PROJECT: project, FILES: ",".join(files)}}}


@pytest.mark.parametrize(
    ("project", "files", "created", "ours"),
    [
        ("adopt-1a2b3c", ["/tmp/run/popen-gw0/shop/compose.yaml"], None, True),  # a repository copied under the run
        ("it-ci-4d5e6f", ["/work/repo/docker/compose.yaml"], None, True),  # the checkout's files, a name the run wrote
        ("it-ci-999999", ["/work/repo/docker/compose.yaml"], None, False),  # another run's in the same checkout
        ("notes-dev", ["/work/repo/docker/compose.yaml"], None, False),  # the developer's own stack
        ("it-ci-4d5e6f", ["/elsewhere/compose.yaml"], None, False),  # a name alike, from other files
        ("adopt-1a2b3c", ["/tmp/run/shop/compose.yaml"], "2027-01-15T07:00:00Z", False),  # made before the run
    ],
)
def test_a_run_reaps_only_the_projects_it_made(project, files, created, ours):
    found = container(project, files, **({"created": created} if created else {}))
    assert made_by_the_run(found, SINCE, "/tmp/run", "/work/repo", {"it-ci-4d5e6f"}) is ours


def test_the_run_names_its_projects_in_the_env_files_under_its_folder(tmp_path):
    (tmp_path / "popen-gw1" / "envs0").mkdir(parents=True)
    (tmp_path / "popen-gw1" / "envs0" / "it-ci-4d5e6f.env.docker").write_text("A=1\nCOMPOSE_PROJECT_NAME=it-ci-4d5e6f\n")
    (tmp_path / "notes.txt").write_text("COMPOSE_PROJECT_NAME=not-an-env-file\n")
    assert named_projects(str(tmp_path)) == {"it-ci-4d5e6f"}
