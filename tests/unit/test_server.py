"""A server target's pure parts: DOCKER_HOST=ssh:// read from an env, the proxy overlay, why a release failed, the history."""

import json
from dataclasses import asdict

import pytest

from fastapi_stackops import StackError, lifecycle
from fastapi_stackops.contract import load_project
from fastapi_stackops.diagnosis import failure_cause
from fastapi_stackops.settings import PROXY_COMPOSE_FILE, load_settings
from fastapi_stackops.ship.releases import Release, parse_history
from fastapi_stackops.stack import Stack
from tests.utils import scratch_project


@pytest.fixture
def project(tmp_path):
    return load_project(scratch_project(tmp_path / "p"))


def settings_of(project, text: str):
    (project.env_dir / "s.env.docker").write_text("COMPOSE_PROJECT_NAME=s\n" + text)
    return load_settings("s", project, environ={})


@pytest.mark.parametrize(
    ("docker_host", "destination", "port"),
    [
        ("ssh://deploy@203.0.113.7", "deploy@203.0.113.7", ""),
        ("ssh://deploy@server.example:2222", "deploy@server.example", "2222"),
        ("ssh://my-alias", "my-alias", ""),
    ],
)
def test_an_ssh_docker_host_is_a_destination_and_port(project, docker_host, destination, port):
    target = settings_of(project, f"DOCKER_HOST={docker_host}\n").target
    assert (target.destination, target.port, target.config) == (destination, port, "")
    assert target.address == docker_host
    assert target.ssh("-N")[-1] == destination and (["-p", port] == target.ssh()[1:3]) == bool(port)


@pytest.mark.parametrize("docker_host", ["", "unix:///var/run/docker.sock", "tcp://127.0.0.1:2375"])
def test_other_engines_are_not_ssh_targets(project, docker_host):
    assert settings_of(project, f"DOCKER_HOST={docker_host}\n").target.remote is False


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("DOCKER_HOST=ssh://host/path\n", r"s.env.docker:2: DOCKER_HOST=ssh://host/path is not ssh://\[user@\]host\[:port\]"),
        (
            "DOCKER_HOST=ssh://h\nSSH_CONFIG=no/such/config\n",
            r"s.env.docker:3: SSH_CONFIG names .*no/such/config, which does not exist",
        ),
    ],
)
def test_a_bad_ssh_target_names_file_line_and_fix(project, text, message):
    with pytest.raises(StackError, match=message):
        settings_of(project, text).target.usable()


def test_ssh_config_is_passed_to_every_ssh(project, tmp_path):
    config = tmp_path / "ssh_config"
    config.write_text("Host h\n")
    target = settings_of(project, f"DOCKER_HOST=ssh://h\nSSH_CONFIG={config}\n").target
    assert target.ssh("-N")[:3] == ["ssh", "-F", str(config)]


@pytest.mark.parametrize(("text", "proxied"), [("PROXY_PORT=8080\n", True), ("PROXY_PORT=\n", False), ("", False)])
def test_proxy_port_adds_the_proxy_to_the_compose_files(project, text, proxied):
    assert (PROXY_COMPOSE_FILE in settings_of(project, text).compose_files) == proxied


@pytest.mark.parametrize(
    ("log", "cause"),
    [
        (
            'Traceback (most recent call last):\n  File "m.py", line 3\nRuntimeError: broken\n{"level": "ERROR", "message": "Worker failed to boot."}\n',
            "RuntimeError: broken",
        ),
        (
            '{"level": "ERROR", "message": "x", "exc_info": "Traceback (most recent call last):\\n  File \\"a\\"\\nsqlalchemy.exc.OperationalError: no db"}\n',
            "sqlalchemy.exc.OperationalError: no db",
        ),
        (
            "Traceback (most recent call last):\nRuntimeError: broken\nTraceback (most recent call last):\n"
            "gunicorn.errors.HaltServer: <HaltServer 'Worker failed to boot.' 3>\n",
            "RuntimeError: broken",
        ),
        (
            "gunicorn.errors.HaltServer: <HaltServer 'Worker failed to boot.' 3>\n",
            "gunicorn.errors.HaltServer: <HaltServer 'Worker failed to boot.' 3>",
        ),
        ('{"level": "ERROR", "message": "cannot bind"}\n', '{"level": "ERROR", "message": "cannot bind"}'),
        ("starting\nlistening\n", "listening"),
        ("", "no output"),
    ],
)
def test_failure_cause_is_the_exception_else_the_last_error_line(log, cause):
    assert failure_cause(log) == cause


def test_the_history_reads_back_what_was_recorded():
    releases = [
        Release(1, "sha256:a", "p-api:release-1", "abc", "2026-11-29T20:00:00Z", "u@h", "deploy"),
        Release(2, "sha256:b", "p-api:release-2", "", "t", "u@h", "rollback to 1"),
    ]
    text = "".join(json.dumps(asdict(r)) + "\n" for r in releases)
    assert parse_history(text) == releases
    assert parse_history("") == []


class Image:
    def __init__(self, image_id: str, tags: dict):
        self.id, self.tags = image_id, tags

    def tag(self, repository: str, tag: str) -> None:
        self.tags[f"{repository}:{tag}"] = self.id


class Images:
    def __init__(self, tags: dict):
        self.tags = tags

    def get(self, ref: str) -> Image:
        return Image(self.tags.get(ref, ref), self.tags)


@pytest.mark.parametrize(("readable", "kept"), [(True, "sha256:served"), (False, "sha256:before")])
def test_a_refused_release_leaves_the_tag_on_what_serves_or_else_on_what_it_named_before(monkeypatch, readable, kept):
    # A history the engine's answer cut (or no proxy) left the tag on the refused build: the next `up`, persistence-check's
    # restart, then started the broken release (a fresh-engine run of test_server, 2026-12-03 18:42).
    from types import SimpleNamespace

    from fastapi_stackops.ship import server

    tags = {"notes-api:latest": "sha256:before"}
    stack = SimpleNamespace(client=SimpleNamespace(images=Images(tags)))
    monkeypatch.setattr(server, "entry_image", lambda stack: "notes-api")
    image_exists = lambda client, ref: client.images.get(ref) if ref in tags else None  # noqa: E731
    monkeypatch.setattr(server, "image_exists", image_exists, raising=False)
    monkeypatch.setattr(server, "proxy", lambda stack: "proxy")

    def history(proxy):
        if not readable:
            raise StackError("could not read the release history on the host: the engine's answer came back cut")
        return []

    monkeypatch.setattr(server, "history", history)
    monkeypatch.setattr(server, "serving", lambda stack, releases: SimpleNamespace(image="sha256:served"))
    with pytest.raises(StackError), server.tag_kept_on_what_serves(stack):
        tags["notes-api:latest"] = "sha256:refused"  # the build moved the tag
        raise StackError("api did not become healthy; release 1 keeps serving")
    assert tags["notes-api:latest"] == kept


@pytest.mark.parametrize(
    ("task", "step"),
    [
        ("build", lambda stack: lifecycle.build(stack)),
        ("rebuild", lambda stack: lifecycle.build(stack, no_cache=True)),
        ("up", lambda stack: lifecycle.up(stack, build=True)),
    ],
)
def test_a_build_on_a_server_behind_the_proxy_is_refused_outside_a_deploy_naming_it(project, task, step):
    """Such a build moved the image tag, and the next restart (persistence-check's, a reboot's) started an unreleased
    image while `releases` named another: only deploy builds there."""
    stack = Stack(settings_of(project, "PROXY_PORT=8080\n"), client=object())  # refused before the engine is asked
    with pytest.raises(StackError) as refused:
        step(stack)
    said = str(refused.value)
    assert said.startswith(f"inv {task} --env s would build this checkout on the server") and "PROXY_PORT in" in said
    assert "run `inv deploy --env s`" in said and "`inv up --env s --no-build` starts what serves" in said


def test_a_build_on_an_env_with_no_proxy_is_not_refused(project):
    lifecycle.refused_outside_a_release(Stack(settings_of(project, "PROXY_PORT=\n")), "build")
    assert Stack(settings_of(project, "PROXY_PORT=8080\n")).settings.behind_proxy
