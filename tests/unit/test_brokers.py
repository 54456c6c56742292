"""fastapi_stackops/adopt/brokers.py: RabbitMQ beside an app whose code writes out its AMQP login; and
local_servers.broker_hosts: a broker's URL written at its Compose service's name."""

from __future__ import annotations

import pytest

from fastapi_stackops.adopt.reading import read_repository
from fastapi_stackops.adopt.stackfiles import compose_text, written_secrets
from tests.utils import written

APP = "from fastapi import FastAPI\n\napp = FastAPI()\n"
TASKS = "from celery import Celery\n\ncelery_app = Celery('tasks')\ncelery_app.conf.update(broker_url='{url}')\n"


@pytest.mark.parametrize(
    ("url", "user", "alias", "guest"),
    [
        # rexusluko/FASTAPI-CRUD: Celery's broker written out as guest at rabbitmq; the stack ran no RabbitMQ, and the
        # worker never became healthy ("Name or service not known").
        ("pyamqp://guest:guest@rabbitmq:5672//", "guest", "", True),
        ("amqp://bob:s%40cret@mq:5672/", "bob", "mq", False),  # another name of the server, and no guest to let in
    ],
)
def test_an_amqp_login_the_code_writes_out_is_served_as_written(tmp_path, url, user, alias, guest):
    files = {"requirements.txt": "fastapi\ncelery\n", "main.py": APP, "tasks.py": TASKS.format(url=url)}
    repo = read_repository(written(tmp_path, files))
    compose = compose_text(repo)
    assert repo.rabbitmq and f"      RABBITMQ_DEFAULT_USER: {user}\n" in compose
    assert written_secrets(repo) == {"RABBITMQ_PASSWORD": url.split(":")[2].split("@")[0].replace("%40", "@")}
    assert ("loopback_users []" in compose) is guest
    assert (f"aliases: [{alias}]" in compose) if alias else "aliases" not in compose


CELERY = "from celery import Celery\n\nbroker = '{url}'\ncelery_app = Celery('worker', broker=broker, backend=broker)\n"


@pytest.mark.parametrize(
    ("url", "alias"),
    [
        # adeqoou/FastAPI-CRM-project: Celery's broker and backend written at redis_broker, its own Compose service's
        # name; the worker never became healthy ("Error -2 connecting to redis_broker:6379. Name or service not known").
        ("redis://redis_broker:6379/0", "  redis:\n"),
        ("redis://cache/1", "  redis:\n"),
        ("amqp://guest:guest@rabbit//", "  rabbitmq:\n"),
        ("redis://redis_broker:6380/0", ""),  # another port than the server's: a name alone would not reach it
        ("redis://cache.example.org:6379/0", ""),  # a real host's name
    ],
)
def test_the_stacks_broker_answers_to_the_host_a_url_written_in_the_code_names(tmp_path, url, alias):
    files = {"requirements.txt": "fastapi\ncelery\nredis\n", "main.py": APP, "worker.py": CELERY.format(url=url)}
    compose = compose_text(read_repository(written(tmp_path, files)))
    host = url.split("@")[-1].split("://")[-1].split(":")[0].split("/")[0]
    if alias:
        assert f"aliases: [{host}]" in compose.split(f"\n{alias}", 1)[1].split("\n\n")[0], compose
    else:
        assert f"aliases: [{host}]" not in compose, compose


@pytest.mark.parametrize(
    ("broker", "login"),
    [
        # rafawildfire42/python-fastapi-user-management: guest written out, the host read; the client's default password
        # (guest) left unsaid. The worker crash-looped on ACCESS_REFUSED as the stack's user was app.
        ('f"pyamqp://guest@{host}//"', ("guest", "guest")),
        ('f"amqp://bob:pw@{host}:5672/"', ("bob", "pw")),
        ('f"amqp://{user}:{password}@{host}/"', None),  # a login read: the stack's own
    ],
)
def test_an_amqp_login_written_around_a_host_read_is_served_as_written(tmp_path, broker, login):
    code = f"import os\nfrom celery import Celery\n\nhost = os.getenv('MQ_HOST')\napp = Celery('t', broker={broker})\n"
    repo = read_repository(written(tmp_path, {"requirements.txt": "fastapi\ncelery\n", "main.py": APP, "tasks.py": code}))
    assert (repo.rabbitmq_login and (repo.rabbitmq_login.user, repo.rabbitmq_login.password)) == login
    if login:
        assert repo.rabbitmq and f"      RABBITMQ_DEFAULT_USER: {login[0]}\n" in compose_text(repo)
        assert written_secrets(repo) == {"RABBITMQ_PASSWORD": login[1]}


@pytest.mark.parametrize(
    ("call", "guest"),
    [
        # FeistyAryan/FastAPI-Todo: aio-pika given a host alone logs in as guest, whom RabbitMQ let in from localhost
        # alone; the stack's user was app, and the app crash-looped on ACCESS_REFUSED.
        ('aio_pika.connect_robust(host="rabbitmq")', True),
        ("aio_pika.connect_robust(settings.RABBITMQ_URL)", False),
        ('aio_pika.connect_robust(host="rabbitmq", login=user, password=secret)', False),
        ("sqlite3.connect()", False),  # not an AMQP client's
    ],
)
def test_an_amqp_client_given_no_login_is_served_rabbitmqs_guest(tmp_path, call, guest):
    code = f"import aio_pika\nimport sqlite3\n\n\nasync def connected():\n    return await {call}\n"
    repo = read_repository(written(tmp_path, {"requirements.txt": "fastapi\naio-pika\n", "main.py": APP, "mq.py": code}))
    assert repo.rabbitmq and ("RABBITMQ_DEFAULT_USER: guest" in compose_text(repo)) is guest
    assert written_secrets(repo) == ({"RABBITMQ_PASSWORD": "guest"} if guest else {})
