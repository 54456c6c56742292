"""fastapi_stackops/adopt/brokers.py: RabbitMQ beside an app whose code writes out its AMQP login."""

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
