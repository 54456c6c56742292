"""A server deploy over real SSH to a Docker host in a container (inv test-host.up), for the reference service and an example.

One test host serves the module, in order: the first deploy answers at the
stable address and passes smoke and persistence-check remotely; a new release
under a client loop and a slow request; a broken release; a rollback; two
deploys at once; an example deployed beside; teardown leaving this machine
as found. Each test prints its figures ("server figure: ...").
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest
import requests

from fastapi_stackops.ship.testhost import KEYS, LABEL, NAME
from tests.utils import ROOT, long, same_for_every_newcomer
from tests.utils.clients import ClientLoop
from tests.utils.stacks import run_task, wait_for

pytestmark = [same_for_every_newcomer, long]
COPIED = shutil.ignore_patterns(".git", ".venv", "build", "*.egg-info", ".*_cache", "tests", "bench", "examples", "deploy")


def made_by_the_test_host(engine) -> dict[str, set[str]]:
    """What test-host.up made on this machine, and down must remove: its container and that container's volumes.
    Other modules' stacks come and go meanwhile, so nothing else of the engine is compared."""
    containers = engine.containers.list(all=True, filters={"label": LABEL})
    volumes = {m["Name"] for c in containers for m in c.attrs["Mounts"] if m["Type"] == "volume"}
    return {"containers": {c.name for c in containers}, "volumes": volumes}


def server_env(folder: Path, project: str, proxy_port: int, **values: str) -> Path:
    lines = [f"COMPOSE_PROJECT_NAME={project}", f"DOCKER_HOST=ssh://{NAME}", f"SSH_CONFIG={KEYS / 'ssh_config'}"]
    lines += [f"PROXY_PORT={proxy_port}", "BUILD_CA_BUNDLE=system", "HEALTHCHECK_INTERVAL=1s"]
    lines += [f"{key}={value}" for key, value in values.items()]
    path = folder / f"{project}.env.docker"
    path.write_text("\n".join(lines) + "\n")
    return path


def release_of(folder: Path, version: str, broken: str = "") -> Path:
    """The reference service as a later commit would have it: another version, or one whose app fails at import."""
    shutil.copytree(ROOT, folder, ignore=COPIED)
    (folder / "app" / "__init__.py").write_text(f'"""The notes service."""\n\n__version__ = "{version}"\n')
    if broken:
        with (folder / "app" / "main.py").open("a") as main:
            main.write(f"\nraise RuntimeError({broken!r})\n")
    return folder


class Server:
    def __init__(self, env: Path, address: str, cwd: Path = ROOT):
        self.env, self.address, self.cwd = env, address, cwd

    def inv(self, task: str, *args: str, cwd: Path | None = None, check: bool = True):
        return run_task(task, "--env", str(self.env), *args, cwd=cwd or self.cwd, check=check, timeout=900)

    def timed(self, task: str, *args: str, **kwargs):
        started = time.monotonic()
        result = self.inv(task, *args, **kwargs)
        return result, time.monotonic() - started

    def get(self, path: str, **kwargs) -> requests.Response:
        return requests.get(self.address + path, timeout=30, **kwargs)

    def post(self, path: str, **kwargs) -> requests.Response:
        return requests.post(self.address + path, timeout=30, **kwargs)


def switch_seconds(result) -> float:
    return float(re.search(r"proxy switched in ([0-9.]+)s", result.stdout).group(1))


def writing_and_reading(server: Server):
    def request() -> None:
        note = requests.post(f"{server.address}/api/v1/notes", json={"title": "loop", "body": "x"}, timeout=30)
        assert note.status_code == 201, f"write: {note.status_code} {note.text[:100]}"
        read = server.get(f"/api/v1/notes/{note.json()['id']}")
        assert read.status_code == 200, f"read: {read.status_code} {read.text[:100]}"

    return request


class SlowRequest(threading.Thread):
    """One request that takes `seconds` on the server, started before a switch."""

    def __init__(self, server: Server, seconds: float):
        super().__init__(daemon=True)
        self.server, self.seconds, self.answer, self.took = server, seconds, None, 0.0

    def run(self) -> None:
        started = time.monotonic()
        self.answer = self.server.get("/api/v1/_testing/sleep", params={"seconds": self.seconds})
        self.took = time.monotonic() - started


@pytest.fixture(scope="module")
def test_host(engine):
    assert not made_by_the_test_host(engine)["containers"], "a test host from before is still here"
    run_task("test-host.up", timeout=900)
    address = engine.containers.get(NAME).attrs["NetworkSettings"]["IPAddress"]
    yield address, made_by_the_test_host(engine)
    run_task("test-host.down", check=False)


@pytest.fixture(scope="module")
def notes(test_host, tmp_path_factory):
    # PostgreSQL, as a server runs it (the example below keeps SQLite): backups and migrations on both, on a server.
    env = server_env(
        tmp_path_factory.mktemp("server"),
        f"it-server-{uuid.uuid4().hex[:6]}",
        8080,
        API_PORT="0",
        COMPOSE_PROFILES="postgres",
        APP_DATABASE_URL="postgresql+psycopg://app@db:5432/app",
        POSTGRES_PASSWORD="server-test-password",
    )
    with env.open("a") as file:
        file.write("APP_TESTING_ENDPOINTS=true\nWEB_CONCURRENCY=2\n")
    server = Server(env, f"http://{test_host[0]}:8080")
    result, seconds = server.timed("deploy")
    print(
        f"server figure: first deploy (base images sent, built on the host) {seconds:.1f}s, switch {switch_seconds(result):.2f}s"
    )
    return server


def test_deploy_answers_at_the_stable_address_and_smoke_and_persistence_pass_remotely(engine, notes):
    assert notes.get("/health").json() == {"status": "ok", "version": "0.1.0"}
    assert not engine.containers.list(all=True, filters={"name": "it-server-"})  # it runs there, not here
    smoke = notes.inv("smoke").stdout
    assert "smoke passed" in smoke and "ok   stackops-proxy: api answers /health through it" in smoke
    proxy = f"{notes_project(notes)}-stackops-proxy-1"
    on_the_host("docker", "exec", proxy, "/usr/local/bin/proxy-entrypoint.sh", "switch", "db:8000", "api:8000")  # nothing listens
    misrouted = notes.inv("smoke", check=False)
    on_the_host("docker", "exec", proxy, "/usr/local/bin/proxy-entrypoint.sh", "switch", "api:8000", "api:8000")
    assert misrouted.returncode == 1 and "FAIL stackops-proxy: api answers /health through it" in misrouted.stdout
    assert "persistence check passed" in notes.inv("persistence-check", "--cycles", "1").stdout
    assert notes.get("/health").status_code == 200  # the proxy serves again after persistence-check's down and up


def test_a_backup_on_the_server_stays_there_and_a_restore_brings_back_what_it_held(engine, notes):
    note = requests.post(f"{notes.address}/api/v1/notes", json={"title": "backed up"}, timeout=30).json()["id"]
    name = backed_up_on_the_server(notes, "db", "postgres")
    assert not engine.volumes.list(filters={"name": f"{notes_project(notes)}-backups"})  # there, not here
    assert requests.delete(f"{notes.address}/api/v1/notes/{note}", timeout=30).status_code == 204
    assert f"restored db from {name}" in notes.inv("restore", name).stdout
    assert notes.get(f"/api/v1/notes/{note}").json()["title"] == "backed up"  # through the proxy, as before
    on_the_host("docker", "volume", "rm", f"{notes_project(notes)}-backups")  # what a user asked to keep: no task does


def backed_up_on_the_server(server: Server, service: str, kind: str) -> str:
    """`inv backup` on a server env: the file's name, checked to be in the backups volume on the server."""
    taken = server.inv("backup").stdout
    found = re.search(rf"backup  {service} \({kind}\): (\S+),", taken)
    assert found, taken
    on_the_host("docker", "volume", "inspect", f"{notes_project(server)}-backups")  # fails unless it is there
    assert found.group(1) in server.inv("backup", "--list").stdout
    return found.group(1)


def test_a_new_release_under_a_client_loop_fails_no_request_and_a_slow_one_completes(notes, tmp_path):
    before = requests.post(f"{notes.address}/api/v1/notes", json={"title": "before 0.2.0", "body": "kept"}, timeout=30).json()
    new = release_of(tmp_path / "next", "0.2.0")
    with ClientLoop(writing_and_reading(notes)) as loop:
        slow = SlowRequest(notes, 6)
        slow.start()
        time.sleep(0.5)  # in flight on the old release when the proxy switches
        result, seconds = notes.timed("deploy", cwd=new)
        again, again_seconds = notes.timed("deploy", "--no-build", cwd=new)
        slow.join(30)
    print(f"server figure: new release {seconds:.1f}s (switch {switch_seconds(result):.2f}s), again {again_seconds:.1f}s;")
    print(f"server figure: client loop over both: {loop.summary}; slow request {slow.took:.1f}s")
    assert loop.failed == 0, loop.errors[:5]
    assert loop.ok > 20
    assert slow.answer is not None and slow.answer.status_code == 200 and slow.took >= 6
    assert notes.get("/health").json()["version"] == "0.2.0"
    assert notes.get(f"/api/v1/notes/{before['id']}").json()["body"] == "kept"
    # Each deploy backed up the serving release's database before its migration, and its release says so (the first
    # had none yet: the SQLite file lives with the api); inv restore takes that name.
    listed = notes.inv("releases").stdout
    before_deploy = re.findall(r"backed up first: (db-\S+-before-deploy\.pgdump)", listed)
    assert before_deploy and before_deploy[-1] in notes.inv("backup", "--list").stdout, listed  # the latest release's


def test_a_broken_release_fails_in_bounded_time_naming_its_error_and_the_old_keeps_serving(notes, tmp_path):
    broken = release_of(tmp_path / "broken", "0.3.0", broken="release 0.3.0 is broken on purpose")
    with ClientLoop(writing_and_reading(notes)) as loop:
        result, seconds = notes.timed("deploy", "--timeout", "40", cwd=broken, check=False)
    error = result.stdout.strip().splitlines()[-1]
    print(f"server figure: broken release refused after {seconds:.1f}s; client loop: {loop.summary}")
    assert result.returncode == 1
    assert "did not become healthy (health gate 40s" in error and "release 0.3.0 is broken on purpose" in error, error
    assert re.search(r"; release \d+ keeps serving$", error), f"{error}\n{proxy_state(notes)}"  # which one, as the proxy says
    assert seconds < 150  # the build, then at most the 40 s health gate
    assert loop.failed == 0, loop.errors[:5]
    assert notes.get("/health").json()["version"] == "0.2.0"
    # The refused build moved no tag: a restart of the stack (persistence-check's down and up) starts what served.
    assert "persistence check passed" in notes.inv("persistence-check", "--cycles", "1").stdout
    assert notes.get("/health").json()["version"] == "0.2.0"
    # And no build outside a deploy moves it: `inv up` there (which builds) is refused in one line, naming deploy.
    up = run_task("up", "--env", str(notes.env), cwd=broken, check=False)
    assert up.returncode == 1 and "outside a release: run `inv deploy --env" in up.stdout.strip().splitlines()[-1], up.stdout
    assert "Traceback" not in up.stdout and notes.get("/health").json()["version"] == "0.2.0"


def test_rollback_returns_to_the_previous_release_with_no_failed_request_and_the_data_kept(notes, tmp_path):
    before = requests.post(f"{notes.address}/api/v1/notes", json={"title": "before rollback", "body": "kept"}, timeout=30).json()
    elsewhere = release_of(tmp_path / "no-git", "0.9.0")  # a checkout with no git revision of its own
    with ClientLoop(writing_and_reading(notes)) as loop:
        result, seconds = notes.timed("rollback", cwd=elsewhere)
    print(f"server figure: rollback {seconds:.1f}s (switch {switch_seconds(result):.2f}s); client loop: {loop.summary}")
    assert loop.failed == 0, loop.errors[:5]
    assert notes.get("/health").json()["version"] == "0.1.0"
    assert notes.get(f"/api/v1/notes/{before['id']}").json()["body"] == "kept"
    # The code went back and the data did not: the backup a later deploy took before migrating is offered, by name.
    assert re.search(
        r"release \d+ backed it up before its migration: inv restore db-\S+-before-deploy\.pgdump --env ", result.stdout
    )
    listed = notes.inv("releases").stdout.splitlines()
    first, serving = listed[0], serving_line(notes)
    assert "(rollback to 1)" in serving, serving
    assert serving.split()[3] == first.split()[2] != "-", "the rollback records the revision it returned to"
    further = notes.inv("rollback", check=False)  # a second rollback goes further back, never forward again
    assert further.returncode == 1 and "release 1 is the first deployed here" in further.stdout, further.stdout[-300:]


def interrupted(server: Server, at: str, *args: str, cwd: Path, hold: str, sent: int = signal.SIGINT) -> str:
    """A deploy sent a terminal's Ctrl-C (SIGINT to its process group), or a supervisor's SIGTERM (to the process),
    when its output reaches `at`, held there (STACKOPS_PAUSE=`hold`) so the signal lands in that step every time."""
    command = [sys.executable, "-m", "invoke", "deploy", "--env", str(server.env), "--lock-wait", "0", *args]
    environment = {**os.environ, "STACKOPS_PAUSE": f"{hold}:15"}
    deploy = subprocess.Popen(
        command,
        cwd=cwd,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),  # as a terminal's: a CI job may start it ignored
    )
    said = []
    for line in deploy.stdout:
        said.append(line)
        if at in line:
            os.killpg(deploy.pid, sent) if sent == signal.SIGINT else os.kill(deploy.pid, sent)
            break
    said += deploy.communicate(timeout=120)[0]
    assert deploy.returncode == 130 and "Traceback" not in "".join(said), "".join(said)[-2000:]
    return "".join(said)


def serving_line(server: Server) -> str:
    listed = server.inv("releases").stdout
    marked = [line for line in listed.splitlines() if line.startswith("*")]
    assert len(marked) == 1, f"{listed}\n{proxy_state(server)}"
    return marked[0]


def proxy_state(server: Server) -> str:
    """What the host holds when the releases do not add up: its containers, its proxy volumes, each proxy's history.
    ssh hands the words to the host's shell, so each is quoted for it."""

    def asked(*command: str) -> str:
        return on_the_host(*map(shlex.quote, command))

    project = notes_project(server)
    containers = asked("docker", "ps", "-a", "--format", "{{.ID}} {{.Names}} {{.Status}} {{.Image}} {{.Mounts}}")
    proxies = asked(
        "docker", "ps", "-q", "--filter", f"label=com.docker.compose.project={project}", "--filter", "label=io.stackops.proxy"
    )
    files = [
        asked("docker", "exec", p, "sh", "-c", "ls -la /var/lib/proxy; cat /var/lib/proxy/releases.jsonl")
        for p in proxies.split()
    ]
    volumes = asked("docker", "volume", "ls", "--format", "{{.Name}} {{.Labels}}")
    return "\n".join(["host containers:", containers, "volumes:", volumes, "proxies' files:", *files])


@pytest.mark.parametrize(
    ("hold", "at", "sent", "then"),
    [
        ("build", "==> building images", signal.SIGINT, ("smoke",)),
        ("build", "==> building images", signal.SIGTERM, ("up", "--no-build")),
        ("backup", "==> backing up the databases", signal.SIGINT, ("restart",)),
        ("migrate", "==> migrating with", signal.SIGINT, ("persistence-check", "--cycles", "1")),
        ("migrate", "==> migrating with", signal.SIGTERM, ("down",)),  # then up --no-build
        ("health", "(held at health", signal.SIGTERM, ("deploy",)),  # the new container up, no traffic yet
    ],
)
def test_a_deploy_interrupted_before_its_new_release_serves_leaves_the_old_serving_and_no_lock(
    notes, tmp_path, hold, at, sent, then
):
    """The fault matrix's steps before the switch: Ctrl-C (to the group) or SIGTERM (to the process) in the build, the
    backup, the migration (one transaction, rolled back), or once the new container is up: nothing of it stays. Then
    the next command a user would run, one per row: it works, and what serves, and what `releases` says, stay true."""
    new = release_of(tmp_path / "next", "0.5.0")
    version, before = notes.get("/health").json()["version"], serving_line(notes)
    entries = ("docker", "ps", "-aq", "--filter", f"name={notes_project(notes)}-api")
    running = on_the_host(*entries).split()
    with ClientLoop(writing_and_reading(notes)) as loop:
        said = interrupted(notes, at, cwd=new, hold=hold, sent=sent)
    assert said.strip().splitlines()[-1].startswith("interrupted"), said[-500:]
    assert loop.failed == 0 and loop.ok > 0, loop.errors[:5]
    assert notes.get("/health").json()["version"] == version and serving_line(notes) == before
    lock = on_the_host("docker", "ps", "-aq", "--filter", f"name={notes_project(notes)}-deploy-lock")
    assert not lock.strip(), "the interrupted deploy left its lock"
    assert not on_the_host("docker", "ps", "-aq", "--filter", "label=com.docker.compose.oneoff=True").strip()
    assert on_the_host(*entries).split() == running, "a container of the interrupted release stayed"
    assert notes.inv("status").returncode == 0  # the next command sees the stack as it was
    after = run_task(then[0], "--env", str(notes.env), *then[1:], cwd=new, check=False)
    assert after.returncode == 0 and "Traceback" not in after.stdout, after.stdout[-2000:]
    if then == ("down",):  # what served comes back as it was, with its history
        run_task("up", "--env", str(notes.env), "--no-build", cwd=new)
    if then[0] == "deploy":  # the next deploy trips on nothing the interrupted one left, and serves its release
        number = re.search(r"deployed release (\d+)", after.stdout).group(1)
        assert notes.get("/health").json()["version"] == "0.5.0" and serving_line(notes).split()[1] == number
    else:  # any other command leaves what serves, and its account, as they were
        assert notes.get("/health").json()["version"] == version and serving_line(notes) == before, then
    print(fault_cell(hold, sent, loop, serving_line(notes), " ".join(then)))


def fault_cell(step: str, sent: int, loop: ClientLoop, serving: str, then: str) -> str:
    """One cell of the fault matrix as the closing note tabulates it."""
    return (
        f"fault cell: {signal.Signals(sent).name} in {step}: client {loop.ok} answered, {loop.failed} failed; "
        f"releases marks {' '.join(serving.split()[:2])}; next: {then}"
    )


def test_a_deploy_interrupted_before_the_switch_at_it_or_while_draining_leaves_a_true_account_and_the_next_works(notes, tmp_path):
    new = release_of(tmp_path / "next", "0.4.0")
    version, before = notes.get("/health").json()["version"], serving_line(notes)
    with ClientLoop(writing_and_reading(notes)) as beside:
        said = interrupted(notes, "==> starting the new release beside", cwd=new, hold="beside")
    assert "interrupted before the switch; the new container was removed; release" in said, said[-500:]
    assert notes.get("/health").json()["version"] == version and serving_line(notes) == before
    assert beside.failed == 0, beside.errors[:5]
    print(fault_cell("beside", signal.SIGINT, beside, before, "the SIGTERM below"))
    # SIGTERM in the switch: it completes with its record first (built again, cached: the refused one left no tag).
    with ClientLoop(writing_and_reading(notes)) as switching:
        said = interrupted(notes, "==> switching the proxy", cwd=new, hold="switch", sent=signal.SIGTERM)
    number = int(re.search(r"interrupted after the switch; release (\d+) serves and is recorded", said).group(1))
    assert notes.get("/health").json()["version"] == "0.4.0" and int(serving_line(notes).split()[1]) == number
    assert switching.failed == 0, switching.errors[:5]
    print(fault_cell("switch", signal.SIGTERM, switching, serving_line(notes), "smoke, status, the Ctrl-C below"))
    project = notes_project(notes)
    entries = ("docker", "ps", "-aq", "--filter", f"name={project}-api")
    assert len(on_the_host(*entries).split()) == 2, "the old container went: the drain ran, no fault reached"
    assert notes.inv("smoke").returncode == 0 and notes.inv("status").returncode == 0  # the next commands see it serve
    with ClientLoop(writing_and_reading(notes)) as draining:
        said = interrupted(notes, "==> draining", "--no-build", cwd=new, hold="drain")
    assert f"interrupted after the switch; release {number + 1} serves and is recorded" in said, said[-500:]
    assert draining.failed == 0, draining.errors[:5]
    print(fault_cell("drain", signal.SIGINT, draining, serving_line(notes), "deploy, after the old container stopped"))
    assert len(on_the_host(*entries).split()) == 3, "the interrupted drain stopped nothing: no fault reached"
    # As a drain killed outright leaves it: the old container stopped, not removed (`up --scale` would restart it).
    names = on_the_host("docker", "ps", "-a", "--filter", f"name={project}-api", "--format", "{{.Names}}").split()
    on_the_host("docker", "stop", min(names, key=lambda name: int(name.rsplit("-", 1)[1])))
    notes.inv("deploy", "--no-build", "--lock-wait", "0", cwd=new)  # no lock was left; the old one is not taken as new
    assert notes.get("/health").json()["version"] == "0.4.0"
    assert int(serving_line(notes).split()[1]) == number + 2
    assert len(on_the_host(*entries).split()) == 1, "the old containers outlived the next deploy"


def test_the_other_signal_beside_in_the_switch_and_while_draining_keeps_the_account_true_under_a_client(notes):
    """The cells the test above leaves: SIGTERM beside and in the drain, Ctrl-C in the switch. A client loop runs
    through all three and fails no request; `releases` marks what serves after each."""
    number = int(serving_line(notes).split()[1])
    project = notes_project(notes)
    entries = ("docker", "ps", "-aq", "--filter", f"name={project}-api")
    with ClientLoop(writing_and_reading(notes)) as loop:
        said = interrupted(
            notes, "==> starting the new release beside", "--no-build", cwd=ROOT, hold="beside", sent=signal.SIGTERM
        )
        assert "interrupted before the switch; the new container was removed" in said, said[-500:]
        assert int(serving_line(notes).split()[1]) == number and len(on_the_host(*entries).split()) == 1
        said = interrupted(notes, "==> switching the proxy", "--no-build", cwd=ROOT, hold="switch", sent=signal.SIGINT)
        assert f"interrupted after the switch; release {number + 1} serves and is recorded" in said, said[-500:]
        assert int(serving_line(notes).split()[1]) == number + 1
        said = interrupted(notes, "==> draining", "--no-build", cwd=ROOT, hold="drain", sent=signal.SIGTERM)
        assert f"interrupted after the switch; release {number + 2} serves and is recorded" in said, said[-500:]
        assert int(serving_line(notes).split()[1]) == number + 2
    assert loop.failed == 0 and loop.ok > 0, loop.errors[:5]
    print(f"fault cells: SIGTERM beside, SIGINT in switch, SIGTERM in drain, one client: {loop.summary}")
    notes.inv("deploy", "--no-build", "--lock-wait", "0")  # the next deploy takes over what the drains left
    assert int(serving_line(notes).split()[1]) == number + 3 and len(on_the_host(*entries).split()) == 1


def test_two_deploys_at_once_one_waits_and_neither_corrupts_the_other(notes):
    command = [sys.executable, "-m", "invoke", "deploy", "--env", str(notes.env), "--no-build"]
    deploys = [subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) for _ in range(2)]
    time.sleep(3)
    refused = run_task(*command[3:], "--lock-wait", "0", check=False)
    outputs = [p.communicate(timeout=300)[0] for p in deploys]
    assert [p.returncode for p in deploys] == [0, 0], outputs
    assert any("waiting up to 300s for the deploy lock" in output for output in outputs), outputs
    assert refused.returncode == 1
    assert re.search(r"holds its lock \(\S+@\S+ since 20\d\d-", refused.stdout), refused.stdout[-500:]
    numbers = [int(n) for n in re.findall(r"^[* ]\s+(\d+)\s", notes.inv("releases").stdout, re.MULTILINE)]
    assert numbers == list(range(1, len(numbers) + 1)), numbers  # each deploy recorded once, in turn
    assert notes.get("/health").status_code == 200


def on_the_host(*command: str) -> str:
    return subprocess.run(
        ["ssh", "-F", str(KEYS / "ssh_config"), NAME, *command], capture_output=True, text=True, check=True
    ).stdout


def notes_project(server: Server) -> str:
    return re.search(r"^COMPOSE_PROJECT_NAME=(\S+)", server.env.read_text(), re.MULTILINE).group(1)


def tunnels() -> list[str]:
    """The ssh tunnels to the test host open on this machine."""
    listed = subprocess.run(["pgrep", "-af", f"ssh -F {KEYS}"], capture_output=True, text=True).stdout
    return [line for line in listed.splitlines() if " -N " in line]


def dangling_volumes() -> set[str]:
    return set(on_the_host("docker", "volume", "ls", "-q", "--filter", "dangling=true").split())


def test_a_killed_deploys_lock_stays_until_released_by_the_printed_command_and_leaves_no_volume(notes):
    project, volumes = notes_project(notes), dangling_volumes()
    command = [sys.executable, "-m", "invoke", "deploy", "--env", str(notes.env), "--no-build"]
    deploy = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_for(lambda: on_the_host("docker", "ps", "-aq", "--filter", f"name={project}-deploy-lock").strip(), 60, what="the lock")
    deploy.kill()
    deploy.wait()
    wait_for(lambda: not tunnels(), 10, what="the killed deploy's ssh tunnels to end")
    refused = notes.inv("deploy", "--no-build", "--lock-wait", "0", check=False)
    printed = re.search(r"release the lock with: inv (deploy-unlock --env \S+)", refused.stdout)
    assert refused.returncode == 1 and printed, refused.stdout[-500:]
    unlocked = run_task(*printed.group(1).split(), cwd=notes.cwd)  # as printed: this env's lock, no other's
    assert re.search(r"released the deploy lock held by \S+@\S+ since 20\d\d-", unlocked.stdout), unlocked.stdout
    notes.inv("deploy", "--no-build")
    assert notes.get("/health").status_code == 200
    assert dangling_volumes() <= volumes, "each deploy's lock left the proxy image's anonymous volumes"


def test_an_example_deploys_beside_it_and_passes_smoke_persistence_and_an_update(test_host, tmp_path):
    example = ROOT / "examples" / "sqlite-async"
    env = server_env(tmp_path, f"it-ledger-{uuid.uuid4().hex[:6]}", 8081, HOST_PORT="0")
    ledger = Server(env, f"http://{test_host[0]}:8081", cwd=example)
    _, seconds = ledger.timed("deploy")
    assert ledger.get("/api/v1/system/health").status_code == 200
    assert "smoke passed" in ledger.inv("smoke").stdout
    assert "persistence check passed" in ledger.inv("persistence-check", "--cycles", "1").stdout
    # SQLite's round trip on a server: an account signed up after the backup is gone once it is restored.
    signed_up = {"username": "kept", "password": "kept-password"}
    assert ledger.post("/api/v1/auth/signup", json=signed_up).status_code == 201
    name = backed_up_on_the_server(ledger, "api", "sqlite")
    assert ledger.post("/api/v1/auth/signup", json={"username": "later", "password": "later-password"}).status_code == 201
    assert f"restored api from {name}" in ledger.inv("restore", name).stdout
    assert ledger.post("/api/v1/auth/login", json=signed_up).status_code == 200
    assert ledger.post("/api/v1/auth/login", json={"username": "later", "password": "later-password"}).status_code == 401

    def health() -> None:
        assert ledger.get("/api/v1/system/health").status_code == 200

    with ClientLoop(health) as loop:
        _, again = ledger.timed("deploy", "--no-build")
    print(f"server figure: example first deploy {seconds:.1f}s, update {again:.1f}s; client loop: {loop.summary}")
    assert loop.failed == 0, loop.errors[:5]
    ledger.inv("clean", "--volumes", "--yes")


def test_tearing_down_the_test_host_leaves_this_machine_as_found(engine, test_host):
    made = test_host[1]
    assert made["containers"] == {NAME} and made["volumes"], made  # its engine's storage: an anonymous volume
    run_task("test-host.down")
    assert not made_by_the_test_host(engine)["containers"]
    assert not made["volumes"] & {v.name for v in engine.volumes.list()}, "test-host.down left its engine's storage"
    assert not KEYS.exists()
