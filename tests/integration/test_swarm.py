"""The stack on a real two-node Docker Swarm: this host's engine and an engine in a container (inv cluster.up).

One cluster and one deploy of the reference service serve the module, in
order: converge across both nodes, answer on both, an example deployed beside
it, a rolling update under a client loop, losing the worker, a broken image,
then undeploy and teardown leaving the host as found.
Each test prints its figure (converge, update, rescheduling time).
"""

from __future__ import annotations

import re
import subprocess
import time
import uuid

import docker
import pytest
import requests

from fastapi_stackops.ship.cluster import GATEWAY_BRIDGE, LABEL, WORKER
from fastapi_stackops.ship.swarm import stack_services, task_addresses
from tests.utils import ROOT, free_port, inv, last_error_line, long, same_for_every_newcomer
from tests.utils.clients import ClientLoop
from tests.utils.stacks import StackUnderTest, run_task, wait_for

pytestmark = [same_for_every_newcomer, long]
STACK_NAMESPACE = "com.docker.stack.namespace"
SWARM_NETWORKS = (GATEWAY_BRIDGE, "ingress")
TEST_IMAGE_LABEL = "io.stackops.test.revision"  # on the images the tests build (a new, or a broken, api)


def made_by_the_cluster(engine) -> dict[str, set[str] | str]:
    """What cluster.up and the deploys may make on the host, and must give back: what carries the cluster's label or a
    stack's namespace (only this module deploys stacks), the bridge a swarm adds, and the swarm. Other modules' Compose
    stacks come and go meanwhile, so nothing else of the engine is compared."""

    def made(labels: dict | None) -> bool:
        return bool({LABEL, STACK_NAMESPACE} & set(labels or {}))

    return {
        "containers": {c.name for c in engine.containers.list(all=True) if made(c.labels)},
        "networks": {n.name for n in engine.networks.list() if made(n.attrs["Labels"]) or n.name in SWARM_NETWORKS},
        "volumes": {v.name for v in engine.volumes.list() if made(v.attrs["Labels"])},
        "swarm": engine.info()["Swarm"]["LocalNodeState"],
    }


def timed(stack, task: str, *args: str, check: bool = True):
    start = time.monotonic()
    result = stack.inv(task, *args, check=check)
    return result, time.monotonic() - start


@pytest.fixture
def no_swarm(engine):
    if engine.info()["Swarm"]["LocalNodeState"] != "inactive":
        pytest.skip("this engine is already in a swarm; not touching it")


def test_deploy_without_a_swarm_says_how_to_make_one(stacks, no_swarm):
    result = inv("deploy", "--env", str(stacks("swarm").env_file), "--no-build")
    assert result.returncode == 1
    assert last_error_line(result) == (
        "error: this engine is not a swarm manager; make a local two-node cluster with inv cluster.up, "
        "or point DOCKER_HOST at a manager of your swarm"
    )


def test_cluster_up_refuses_a_swarm_it_did_not_make_and_down_leaves_it(engine, stacks, no_swarm):
    engine.swarm.init(advertise_addr="127.0.0.1", listen_addr="127.0.0.1:2377")
    try:
        node = engine.info()["Swarm"]["NodeID"]
        result = inv("cluster.up", "--env", str(stacks("swarm").env_file))
        assert result.returncode == 1
        assert last_error_line(result) == (
            f"error: this engine is already in a swarm that inv cluster.up did not make (node {node[:12]}); "
            "deploy to it as it is (inv deploy), or leave it first (docker swarm leave --force)"
        )
        assert "was not made by inv cluster.up: left as it is" in run_task("cluster.down").stdout
        assert engine.info()["Swarm"]["LocalNodeState"] == "active"
    finally:
        engine.swarm.leave(force=True)
        engine.networks.get("docker_gwbridge").remove()  # what this test's swarm init made


@pytest.fixture(scope="module")
def cluster(engine, stacks):
    """A two-node swarm and the reference stack deployed on it; all removed at the end, checked by the last test."""
    if engine.info()["Swarm"]["LocalNodeState"] != "inactive":
        pytest.skip("this engine is already in a swarm; not touching it")
    before = made_by_the_cluster(engine)
    stack = stacks("swarm", REGISTRY=f"127.0.0.1:{free_port()}")
    figures = {}
    try:
        _, figures["cluster.up"] = timed(stack, "cluster.up")
        deployed, figures["deploy (build, push, converge)"] = timed(stack, "deploy")
        yield stack, deployed.stdout, before, figures
    finally:  # also when the deploy failed: nothing of it stays
        stack.inv("undeploy", "--volumes", check=False)
        run_task("cluster.down", check=False)
        remove_test_images(engine, stack.settings.value("REGISTRY"))
    print("\n".join(f"swarm figure: {name}: {seconds:.1f} s" for name, seconds in figures.items()))


def remove_test_images(engine, registry: str) -> None:
    """The tags pushed to the test's registry (gone now) and the images the tests built on the api's."""
    for image in engine.images.list():
        for reference in image.tags + image.attrs.get("RepoDigests", []):  # what nodes pulled is by digest
            if reference.startswith(f"{registry}/"):
                try:
                    engine.images.remove(reference)
                except docker.errors.ImageNotFound:
                    pass  # its last tag went before, and the image with it
    for image in engine.images.list(filters={"label": TEST_IMAGE_LABEL}):
        engine.images.remove(image.id, force=True)


def api_addresses(engine, stack) -> dict[str, str]:
    """Running api task -> its URL, as inv deploy prints them."""
    return {a.task: a.url for a in task_addresses(engine, stack.project) if a.task.startswith("api.")}


def nodes_of(engine, stack, service: str) -> list[dict]:
    """The node (its description and labels) of each running task of the service."""
    (found,) = [s for s in stack_services(engine, stack.project) if s.name == f"{stack.project}_{service}"]
    tasks = [t for t in found.tasks(filters={"desired-state": "running"}) if t["Status"]["State"] == "running"]
    return [engine.nodes.get(t["NodeID"]).attrs for t in tasks]


def write_note(url: str, title: str) -> int:
    response = requests.post(f"{url}/api/v1/notes", json={"title": title, "body": title}, timeout=5)
    assert response.status_code == 201, response.text
    return response.json()["id"]


def read_title(url: str, note: int) -> str:
    response = requests.get(f"{url}/api/v1/notes/{note}", timeout=5)
    assert response.status_code == 200, response.text
    return response.json()["title"]


def test_deploy_converges_with_api_on_both_nodes_and_the_database_on_its_labelled_node(engine, cluster):
    stack, output, _, figures = cluster
    seconds = float(re.search(r"converged in ([\d.]+)s", output).group(1))
    figures["converge (after docker stack deploy)"] = seconds
    assert {node["Spec"]["Role"] for node in nodes_of(engine, stack, "api")} == {"manager", "worker"}
    (db_node,) = nodes_of(engine, stack, "db")
    assert db_node["Spec"]["Labels"].get("db") == "true"
    # Migrations ran once, in their own one-shot service, not in the replicas.
    (migrate,) = [s for s in stack_services(engine, stack.project) if s.name.endswith("_api-migrate")]
    assert [t["Status"]["State"] for t in migrate.tasks()] == ["complete"]
    for url in api_addresses(engine, stack).values():
        assert url in output  # inv deploy printed where each replica answers


def test_requests_to_both_nodes_succeed(engine, cluster):
    stack = cluster[0]
    urls = sorted(api_addresses(engine, stack).values())
    assert len({re.sub(r":\d+$", "", u) for u in urls}) == 2, urls  # two node addresses
    note = write_note(urls[0], "written on one node")
    assert read_title(urls[1], note) == "written on one node"


def test_an_example_deploys_its_one_shot_and_its_sqlite_on_the_labelled_node(engine, cluster, tmp_path):
    stack = cluster[0]
    example = ROOT / "examples" / "sqlite-async"
    env = tmp_path / "ledger.env.docker"
    env.write_text(
        (example / "env" / "swarm.env.docker").read_text()
        + f"COMPOSE_PROJECT_NAME=it-ledger-{uuid.uuid4().hex[:6]}\nREGISTRY={stack.settings.value('REGISTRY')}\n"
    )
    ledger = StackUnderTest(env, cwd=example)
    try:
        output = ledger.inv("deploy").stdout
        urls = re.findall(r"api\.1 .* (http://\S+)", output)
        assert len(urls) == 1, output[-3000:]
        (url,) = urls
        assert requests.post(f"{url}/api/v1/auth/signup", json={"username": "swarm", "password": "pw-1"}, timeout=5).ok
        (node,) = nodes_of(engine, ledger, "api")
        assert node["Spec"]["Labels"].get("db") == "true"
        # The data-permissions service ran once and is done, as Compose's service_completed_successfully asked.
        (permissions,) = [s for s in stack_services(engine, ledger.project) if s.name.endswith("_data-permissions")]
        assert [t["Status"]["State"] for t in permissions.tasks()] == ["complete"]
    finally:
        ledger.inv("undeploy", "--volumes", check=False)
        ledger.inv("clean", "--yes", check=False)


def reading_round_robin(engine, stack, note: int):
    """Read a note from the next running api task, re-listed each time as a load balancer would."""
    turns = iter(range(1 << 30))

    def request() -> None:
        urls = sorted(api_addresses(engine, stack).values())
        assert urls, "no running api task"
        read_title(urls[next(turns) % len(urls)], note)

    return request


def rebuilt(engine, stack, dockerfile_tail: str) -> None:
    """Replace the stack's api image by one built on it (a new digest for inv deploy to push)."""
    image = f"{stack.project}-api"
    base = engine.images.get(image).id
    subprocess.run(
        ["docker", "build", "--quiet", "--tag", image, "-"],
        input=f"FROM {base}\nLABEL {TEST_IMAGE_LABEL}={uuid.uuid4().hex}\n{dockerfile_tail}\n",
        text=True,
        check=True,
        capture_output=True,
    )


def test_a_rolling_update_keeps_the_records_and_serves_throughout(engine, cluster):
    stack, _, _, figures = cluster
    note = write_note(next(iter(api_addresses(engine, stack).values())), "before the update")
    rebuilt(engine, stack, "")
    loop = ClientLoop(reading_round_robin(engine, stack, note), pause=0.05)
    loop.start()
    try:
        _, figures["rolling update (push, converge)"] = timed(stack, "deploy", "--no-build")
    finally:
        loop.stop()
    print(f"swarm figure: rolling update: {loop.ok} reads answered, {loop.failed} failed {loop.errors[:3]}")
    assert loop.ok > 20
    assert loop.failed == 0, loop.errors[:5]
    urls = api_addresses(engine, stack)
    assert len(urls) == 2
    for url in urls.values():
        assert read_title(url, note) == "before the update"


def test_the_workers_replicas_move_to_the_manager_and_no_acknowledged_write_is_lost(engine, cluster):
    stack, _, _, figures = cluster
    acknowledged: dict[int, str] = {}
    for url in api_addresses(engine, stack).values():
        for n in range(5):
            title = f"before the worker stops {n} {url}"
            acknowledged[write_note(url, title)] = title
    worker = engine.containers.get(WORKER)
    start = time.monotonic()
    worker.stop(timeout=5)
    # Writes go on to whatever still answers; only those acknowledged must survive.
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        roles = [node["Spec"]["Role"] for node in nodes_of(engine, stack, "api")]
        if roles == ["manager", "manager"]:
            break
        for url in api_addresses(engine, stack).values():
            title = f"while the worker is gone {uuid.uuid4().hex[:8]}"
            try:
                acknowledged[write_note(url, title)] = title
            except (requests.RequestException, AssertionError):
                pass  # not acknowledged, so not owed
        time.sleep(0.5)
    else:
        raise AssertionError(f"the api replicas were not rescheduled on the manager in 120 s: {roles}")
    figures["rescheduling after the worker stopped"] = time.monotonic() - start
    urls = list(api_addresses(engine, stack).values())
    wait_for(lambda: requests.get(f"{urls[0]}/ready", timeout=2).ok, what="a rescheduled replica ready")
    lost = {note: title for note, title in acknowledged.items() if read_title(urls[0], note) != title}
    assert not lost, lost
    assert len(acknowledged) >= 10


def test_deploying_a_broken_image_fails_in_bounded_time_naming_the_error(engine, cluster):
    stack, _, _, figures = cluster
    note = write_note(next(iter(api_addresses(engine, stack).values())), "before the broken image")
    rebuilt(engine, stack, 'ENTRYPOINT ["sh", "-c", "echo broken image: nothing to run >&2; exit 3"]')
    result, seconds = timed(stack, "deploy", "--no-build", check=False)
    figures["broken image: deploy fails after"] = seconds
    assert result.returncode != 0
    error = result.stdout.strip().splitlines()[-1]
    assert "non-zero exit (3)" in error and "broken image: nothing to run" in error, error
    assert seconds < 120
    # The update rolled back: the replicas that served before still do.
    wait_for(lambda: read_title(next(iter(api_addresses(engine, stack).values())), note), what="the rolled-back api")


def test_undeploy_and_cluster_down_leave_the_host_as_found(engine, cluster):
    stack, _, before, figures = cluster
    _, figures["undeploy --volumes"] = timed(stack, "undeploy", "--volumes")
    start = time.monotonic()
    run_task("cluster.down")
    figures["cluster.down"] = time.monotonic() - start
    assert made_by_the_cluster(engine) == before
