"""adopt/pipeline.py: the CI init writes for the adopted repository, valid and naming only tasks that exist."""

import re
import subprocess

import pytest
import yaml

from fastapi_stackops.adopt.conventions import task_runner
from fastapi_stackops.adopt.pipeline import pipeline_files
from fastapi_stackops.tasks import collection
from tests.unit.test_repository import invoked_tasks
from tests.utils import pipeline_errors

TASKS = set(collection().task_names)


def git_repository(path):
    path.mkdir(parents=True, exist_ok=True)
    subprocess.run(["git", "init", "-q", str(path)], check=True)
    return path


@pytest.mark.parametrize("folder", [".", "services/api"])
def test_a_github_workflow_runs_lint_and_ci_keeps_reports_and_works_from_a_monorepo_folder(tmp_path, folder):
    top = git_repository(tmp_path / "repo")
    root = (top / folder).resolve()
    root.mkdir(parents=True, exist_ok=True)
    [(path, text)] = pipeline_files(root, "shop").items()
    assert (root / path).resolve() == top.resolve() / ".github/workflows/stackops.yml"
    job = yaml.safe_load(text)["jobs"]["ci"]
    runs = [step["run"] for step in job["steps"] if "run" in step]
    assert {task for run in runs for task in invoked_tasks(run)} == {"lint", "ci"} <= TASKS
    assert re.match(r'pip install "fastapi-stackops(==| @ )', runs[0]), runs[0]
    upload = next(step for step in job["steps"] if step.get("uses", "").startswith("actions/upload-artifact"))
    assert upload["if"] == "always()" and upload["with"]["path"] == ("reports/" if folder == "." else f"{folder}/reports/")
    assert job.get("defaults", {}).get("run", {}).get("working-directory", ".") == folder
    assert job["env"]["COMPOSE_PROJECT_NAME"] == "shop-ci-${{ github.run_id }}"
    # The build cache GitHub keeps: the folder the cache step restores and saves is the one ci builds from and into.
    cache = next(step for step in job["steps"] if step.get("uses", "").startswith("actions/cache"))
    assert f'--build-cache "{cache["with"]["path"]}"' in runs[-1], runs[-1]
    (top / ".github/workflows").mkdir(parents=True)
    (top / ".github/workflows/stackops.yml").write_text(text)
    assert not pipeline_errors(top / ".github/workflows/stackops.yml", "github")


def test_a_repository_on_gitlab_gets_a_job_file_to_include(tmp_path):
    top = git_repository(tmp_path / "repo")
    (top / ".gitlab-ci.yml").write_text("stages: [test]\n")
    [(path, text)] = pipeline_files(top, "shop").items()
    job = yaml.safe_load(text)["stackops"]
    assert path == "stackops.gitlab-ci.yml" and job["artifacts"]["when"] == "always"
    assert {task for line in job["script"] for task in invoked_tasks(line)} == {"lint", "ci"}
    assert job["script"][-1].endswith("--build-cache .stackops-build-cache") and job["cache"]["paths"] == [
        ".stackops-build-cache/"
    ]
    (top / path).write_text(text)
    assert not pipeline_errors(top / path, "gitlab")


@pytest.mark.parametrize(
    ("kind", "text", "error"),
    [
        ("github", "on: push\njobs:\n  ci:\n    runs-on: ubuntu-latest\n    stepz: []\n", "'stepz' was unexpected"),
        ("gitlab", "ci:\n  script: inv ci\n  artifacts:\n    when: sometimes\n", "sometimes"),
        # Valid by the schema, refused by actionlint: an expression naming what the context lacks.
        (
            "github",
            "on: push\njobs:\n  ci:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ github.run_idd }}\n",
            'property "run_idd" is not defined',
        ),
    ],
)
def test_the_pipeline_check_refuses_a_broken_pipeline(tmp_path, kind, text, error):
    (tmp_path / "pipeline.yml").write_text(text)
    assert error in pipeline_errors(tmp_path / "pipeline.yml", kind)


@pytest.mark.parametrize(
    ("files", "runner"),
    [
        ({}, "inv"),
        ({"tasks.py": "from fastapi_stackops.tasks import collection\n\nns = collection()\n"}, "inv"),  # init's own
        ({"tasks.py": "from celery import Celery\n"}, "fastapi-stackops"),  # the app's own: never overwritten
        ({"tasks/__init__.py": ""}, "fastapi-stackops"),
    ],
)
def test_the_task_runner_keeps_clear_of_the_apps_own_tasks_module(tmp_path, files, runner):
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    assert task_runner(tmp_path) == runner
    workflow = next(iter(pipeline_files(tmp_path, "x").values()))
    assert f"run: {runner} ci --env ci" in workflow
