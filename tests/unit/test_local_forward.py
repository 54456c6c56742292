"""fastapi_stackops/adopt/local_forward.py: a database the code opens at localhost, its login written out, reached
through a forwarder in the app's image."""

from __future__ import annotations

import json
import re
import tomllib

import pytest

from fastapi_stackops.adopt.contract_table import contract_text, written_layout
from fastapi_stackops.adopt.image import dockerfile_text
from fastapi_stackops.adopt.local_servers import rabbitmq_forward
from fastapi_stackops.adopt.reading import read_repository
from fastapi_stackops.adopt.routes import Routes
from fastapi_stackops.adopt.stackfiles import compose_text, env_texts
from tests.unit.shapes import APP
from tests.utils import written

DATABASE = "from sqlalchemy import create_engine\n\nengine = create_engine({url!r})\n"


@pytest.mark.parametrize(
    ("requirements", "url", "listen", "target"),
    [
        # The shape of a tenth of the refusals in the corpus (FEMADOX/Fastapi-Ecosystem-Lab and others): refused
        # before any build, as localhost in a container is the container itself.
        ("fastapi\npsycopg2-binary\n", "postgresql://shop:s3cret@localhost:5439/shopdb", 5439, "postgres:5432"),
        # Akash-ML/fastapi-inventory-backend: a database named with a hyphen
        ("fastapi\npsycopg2-binary\n", "postgresql://shop:s3cret@localhost/shop-db", 5432, "postgres:5432"),
        ("fastapi\npymysql\n", "mysql+pymysql://shop:s3cret@127.0.0.1/shopdb", 3306, "mariadb:3306"),
    ],
)
def test_a_database_at_localhost_with_its_login_is_served_through_a_forward_in_the_image(
    tmp_path, requirements, url, listen, target
):
    files = {"requirements.txt": requirements, "main.py": f"import db\n{APP}", "db.py": DATABASE.format(url=url)}
    repo = read_repository(written(tmp_path, files))
    login = repo.login
    assert (login.user, login.password, login.database, login.local_port) == ("shop", "s3cret", url.rsplit("/")[-1], listen)
    dockerfile = dockerfile_text(repo, "/", data_dir=False)
    # The runtime installs it: from the base with apt, not the runtime flavour, which has none (nine repositories'
    # builds failed on "apt-get: not found" before this line).
    assert (
        "apt-get install -y --no-install-recommends socat" in dockerfile and "FROM ${PYTHON_BASE} AS runtime-base" in dockerfile
    )
    entrypoints = [json.loads(line.split(" ", 1)[1]) for line in dockerfile.splitlines() if line.startswith("ENTRYPOINT")]
    forward = f"socat TCP-LISTEN:{listen},bind=127.0.0.1,fork,reuseaddr TCP:{target} & "
    # okymikhael/fastapi-hospital-restAPI: mysqlclient opens `localhost` by its socket, which the forward serves too
    socket = "export MYSQL_UNIX_PORT=/tmp/mysqld.sock; socat UNIX-LISTEN:/tmp/mysqld.sock,fork TCP:mariadb:3306 & "
    forward += (socket if target.startswith("mariadb") else "") + 'exec "$@"'
    assert entrypoints and all(entry[:3] == ["sh", "-c", forward] for entry in entrypoints)
    compose = compose_text(repo, "Dockerfile")
    server = re.search(r"\n  (postgres|mariadb):\n(.*?)\n\n", compose, re.S).group(2)
    assert "_USER: shop\n" in server and f"_DB: {login.database}\n" in server.replace("_DATABASE:", "_DB:")  # made at first start


def test_a_database_at_localhost_without_its_login_is_still_refused(tmp_path):
    files = {"requirements.txt": "fastapi\npsycopg2-binary\n", "main.py": f"import db\n{APP}"}
    files["db.py"] = DATABASE.format(url="postgresql://localhost/shopdb")
    with pytest.raises(Exception, match=r"^db.py line 3: the app opens its database at postgresql://localhost/shopdb"):
        read_repository(written(tmp_path, files))


def test_mysqls_root_at_localhost_is_the_servers_root_with_the_codes_password(tmp_path):
    """AjayPulapa/python-fastapi-crud-latest logs in as root: MariaDB's image makes no user of that name, so the
    code's password is root's, and root may log in from the app's container (the official image's default)."""
    url = "mysql+pymysql://root:s3cret@localhost:3306/shopdb"
    files = {"requirements.txt": "fastapi\npymysql\n", "main.py": f"import db\n{APP}", "db.py": DATABASE.format(url=url)}
    compose = compose_text(read_repository(written(tmp_path, files)), "Dockerfile")
    server = re.search(r"\n  mariadb:\n(.*?)\n\n", compose, re.S).group(1)
    assert "MARIADB_USER" not in server and "MARIADB_RANDOM_ROOT_PASSWORD" not in server
    assert "MARIADB_ROOT_PASSWORD: ${MARIADB_PASSWORD}" in server and "-u root" in server


def test_redis_at_localhost_is_forwarded_beside_the_database(tmp_path):
    """ThisIsAntonio/fastapi-order-system's Celery broker is redis://localhost:6379/0, written in its code: refused
    before any build, as localhost in a container is the container itself."""
    worker = 'from celery import Celery\n\ncelery = Celery("jobs", broker="redis://localhost:6379/0")\n'
    url = "postgresql://shop:s3cret@localhost:5432/shopdb"
    files = {"requirements.txt": "fastapi\ncelery[redis]\npsycopg2-binary\n", "main.py": f"import db\n{APP}"}
    repo = read_repository(written(tmp_path, files | {"db.py": DATABASE.format(url=url), "worker.py": worker}))
    entry = next(line for line in dockerfile_text(repo, "/", data_dir=False).splitlines() if line.startswith("ENTRYPOINT"))
    started = json.loads(entry.split(" ", 1)[1])[2]
    assert started.count("socat TCP-LISTEN") == 2 and "TCP:redis:6379 & " in started and "TCP:postgres:5432 & " in started


@pytest.mark.parametrize(
    ("requirements", "url", "asked"),
    [
        # minhnq0702/fastapi-wallet-assets: PostgreSQL's user with no password; refused in one line until the stack's
        # server trusted its own network
        ("fastapi\npsycopg2-binary\n", "postgresql://minh:@localhost/wallet-assets", "POSTGRES_HOST_AUTH_METHOD: trust\n"),
        # okymikhael/fastapi-hospital-restAPI: MariaDB's root with none, a local install's default
        ("fastapi\npymysql\n", "mysql+pymysql://root:@localhost/hospital", 'MARIADB_ALLOW_EMPTY_ROOT_PASSWORD: "1"\n'),
        ("fastapi\npymysql\n", "mysql+pymysql://root@localhost:3306/hospital", 'MARIADB_ALLOW_EMPTY_ROOT_PASSWORD: "1"\n'),
        # MariaDB's own user with none: its image makes no such user, so still refused
        ("fastapi\npymysql\n", "mysql+pymysql://shop:@localhost/shopdb", ""),
    ],
)
def test_a_login_at_localhost_with_no_password_is_served_with_none_where_the_server_allows(tmp_path, requirements, url, asked):
    files = {"requirements.txt": requirements, "main.py": f"import db\n{APP}", "db.py": DATABASE.format(url=url)}
    if not asked:
        with pytest.raises(Exception, match=r"^db.py line 3: the app opens its database at mysql\+pymysql://shop:@localhost"):
            read_repository(written(tmp_path, files))
        return
    repo = read_repository(written(tmp_path, files))
    assert (repo.login.password, repo.login.passwordless, repo.login.database) == ("", True, url.rsplit("/")[-1])
    server = re.search(r"\n  (postgres|mariadb):\n(.*?)\n\n", compose_text(repo, "Dockerfile"), re.S).group(2)
    assert asked in server and "MARIADB_ROOT_PASSWORD" not in server and "MARIADB_RANDOM_ROOT_PASSWORD" not in server
    # okymikhael's migrations logged in with init's made-up password ("Access denied ... using password: YES"): every
    # env gives the server's password variable, which the stack's own URLs name, empty as the code's
    texts = env_texts(repo, "env", False, {}).values()
    given = [line for text in texts for line in text.splitlines() if re.match(r"(POSTGRES|MARIADB)_PASSWORD=", line)]
    assert given and all(line.endswith("_PASSWORD=") for line in given), given
    # and the server's service requires no password of the env files (ci refused the empty one okymikhael's gave)
    services = tomllib.loads(contract_text(repo, Routes(health="/health"), "env", written_layout(repo)))["tool"]["stackops"]
    assert "requires" not in services["services"].get(repo.database_server.service, {})


def test_rabbitmq_at_localhost_is_forwarded_and_its_guest_let_in_from_the_apps_container(tmp_path):
    """Kederly84/fastapi_poetry's Celery broker is amqp://guest:guest@localhost:5672/, written in its code: refused in
    one line, until the image forwarded it. RabbitMQ lets guest in from its own host alone; the forward's connection
    comes from the app's container, so the stack's RabbitMQ lets guest in from anywhere."""
    worker = 'from celery import Celery\n\ncelery = Celery("jobs", broker="amqp://guest:guest@localhost:5672/")\n'
    files = {"requirements.txt": "fastapi\ncelery\n", "main.py": APP, "worker.py": worker}
    repo = read_repository(written(tmp_path, files))
    entry = next(line for line in dockerfile_text(repo, "/", data_dir=False).splitlines() if line.startswith("ENTRYPOINT"))
    assert "socat TCP-LISTEN:5672,bind=127.0.0.1,fork,reuseaddr TCP:rabbitmq:5672 & " in json.loads(entry.split(" ", 1)[1])[2]
    server = re.search(r"\n  rabbitmq:\n(.*?)\n\n", compose_text(repo, "Dockerfile"), re.S).group(1)
    assert "RABBITMQ_DEFAULT_USER: guest" in server and "loopback_users []" in server
    said = rabbitmq_forward(tmp_path)[2].value
    assert "RabbitMQ at amqp://guest:***@localhost:5672/" in said and said.endswith("RabbitMQ, user guest")


def test_a_url_at_localhost_assembled_of_the_settings_login_parts_is_forwarded_with_the_parts_wired(tmp_path):
    """dcorbe/python-fastapi-example: `f"postgresql://{settings.DB_USER}:{settings.DB_PASSWORD}@localhost:5432/..."` in a
    function its engine calls; nothing was said, and the app crash-looped on "Connection refused" in ci."""
    config = "from pydantic_settings import BaseSettings\n\nclass Settings(BaseSettings):\n"
    config += (
        "    DB_USER: str = 'postgres'\n    DB_PASSWORD: str = 'postgres'\n    DB_NAME: str = 'shop'\n\nsettings = Settings()\n"
    )
    code = "from sqlalchemy import create_engine\nfrom config import settings\n\ndef url():\n"
    code += "    return f'postgresql://{settings.DB_USER}:{settings.DB_PASSWORD}@localhost:5432/{settings.DB_NAME}'\n\n"
    code += "engine = create_engine(url())\n"
    files = {"requirements.txt": "fastapi\npsycopg2-binary\n", "main.py": f"import db\n{APP}", "config.py": config, "db.py": code}
    repo = read_repository(written(tmp_path, files))
    entry = next(line for line in dockerfile_text(repo, "/", data_dir=False).splitlines() if line.startswith("ENTRYPOINT"))
    assert "socat TCP-LISTEN:5432,bind=127.0.0.1,fork,reuseaddr TCP:postgres:5432 & " in json.loads(entry.split(" ", 1)[1])[2]
    compose = compose_text(repo, "Dockerfile")
    assert "DB_USER: ${DB_USER-app}" in compose and "DB_NAME: ${DB_NAME-app}" in compose
