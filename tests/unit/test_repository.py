"""The repository's promises about itself: README quick start, CI files, build context."""

import re
import shlex

import pytest
import yaml

from tasks import ns
from tests.utils import ROOT, pipeline_errors, quick_start_commands

README = (ROOT / "README.md").read_text()


def test_quick_start_is_two_commands_and_ci_runs_its_test_command():
    commands = quick_start_commands()
    assert len(commands) == 2, commands
    assert commands[0].startswith("bash scripts/bootstrap.sh") and "inv up" in commands[0]
    ci_script = (ROOT / ".ci" / "run").read_text()
    assert "bash scripts/bootstrap.sh" in ci_script
    assert commands[1] in ci_script.splitlines()


def invoked_tasks(command: str) -> list[str]:
    words = shlex.split(command.replace("&&", ";"))
    return [words[i + 1] for i, word in enumerate(words[:-1]) if word == "inv" and not words[i + 1].startswith("-")]


@pytest.mark.parametrize("path", [".github/workflows/ci.yml", ".gitlab-ci.yml"])
def test_ci_examples_are_valid_pipelines_naming_only_existing_tasks(path):
    assert not pipeline_errors(ROOT / path, "gitlab" if "gitlab" in path else "github")
    document = yaml.safe_load((ROOT / path).read_text())
    text = yaml.safe_dump(document)
    named = [task for line in re.findall(r"inv [^\n'\"]+", text) for task in invoked_tasks(line)]
    assert named, f"{path} runs no task"
    assert set(named) <= set(ns.task_names), set(named) - set(ns.task_names)


def test_every_task_has_a_docstring_and_help_for_every_flag():
    for name, task in ns.tasks.items():
        assert task.__doc__ and task.__doc__.strip().endswith("."), name
        for argument in task.get_arguments():
            assert argument.help, f"inv {name}: --{argument.name} has no help"


def test_build_context_admits_only_what_the_image_needs():
    allowed = [line[1:] for line in (ROOT / ".dockerignore").read_text().splitlines() if line.startswith("!")]
    assert sorted(allowed) == [
        "app/",
        "docker/entrypoint.sh",
        "requirements/build.lock",
        "requirements/service.lock",
        "requirements/test.lock",
        "tests/service/",
    ]
    assert (ROOT / ".dockerignore").read_text().splitlines()[2].strip() == "*"


# What only the reference service knows; the tooling must learn all of it from the contract.
REFERENCE_SERVICE_SPECIFICS = [
    r"/api/v1",
    r"/notes",
    r"\bnotes\b",
    r"app\.migrate",
    r"app\.main",
    r"/srv\b",
    r"/data\b",
    r"['\"]api['\"]",
    r"['\"]db['\"]",
    r"['\"]postgres['\"]\s*(in|==)",
    r"\b8000\b",
    r"\b8080\b",
    r"APP_[A-Z]",
    r"API_PORT|API_BIND",
    r"docker/compose|docker/Dockerfile|env/dev",
    r"/health\b|/ready\b|/metrics\b",
]


@pytest.mark.parametrize("pattern", REFERENCE_SERVICE_SPECIFICS)
def test_the_tooling_holds_nothing_of_the_reference_service(pattern):
    hits = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in sorted((ROOT / "fastapi_stackops").rglob("*.py"))
        if path != ROOT / "fastapi_stackops/adopt/conventions.py"  # init's own names for what it writes
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if re.search(pattern, line)
    ]
    assert not hits, "\n".join(hits)


def test_the_architecture_map_names_every_module_and_no_other():
    """docs/architecture.md's module table and the package's modules stay in step."""
    package = ROOT / "fastapi_stackops"
    modules = {str(p.relative_to(package)) for p in package.rglob("*.py") if p.name != "__init__.py"}
    modules = {m for m in modules if not m.startswith("tasks/")}  # the task modules are the README's task table
    table = (ROOT / "docs" / "architecture.md").read_text().split("## The package, module by module", 1)[1]
    mapped = set(re.findall(r"^\| `([\w/]+\.py)` \|", table, re.MULTILINE))
    assert modules - mapped == set(), "modules the map lacks"
    assert mapped - modules == set(), "the map names modules that do not exist"
