"""fastapi_stackops/adopt/config_files.py: what the repository's config files say of its database."""

from __future__ import annotations

from pathlib import Path

import pytest

from fastapi_stackops.adopt.reading import read_repository
from fastapi_stackops.adopt.stackfiles import compose_text, env_texts
from fastapi_stackops.adopt.written_login import written_login
from tests.utils import written

APP = "from fastapi import FastAPI\n\napp = FastAPI()\n"


@pytest.mark.parametrize(
    ("files", "found"),
    [
        # preneond/fastapi-news-article-scraper: appsettings.yaml gives its settings the database in parts, values the
        # settings take over the environment's; the stack's password was another, and the app crash-looped on it.
        (
            {"appsettings.yaml": "database:\n  postgres_user: app\n  postgres_password: app\n  postgres_database: news\n"},
            "app app news",
        ),
        ({"config/settings.toml": 'db_username = "svc"\ndb_pwd = "s3cret"\ndb_name = "shop"\n'}, "svc s3cret shop"),
        ({"appsettings.yaml": "postgres_user: app\npostgres_database: news\n"}, None),  # no password: init makes one
        ({".env.example": "DB_USER=app\nDB_PASSWORD=app\nDB_NAME=news\n"}, None),  # an env example: init's own values win
        ({"docker-compose.yml": "POSTGRES_USER: a\nPOSTGRES_PASSWORD: b\nPOSTGRES_DB: c\n"}, None),  # Compose's, not the app's
    ],
)
def test_a_login_a_config_file_gives_the_database_is_served(tmp_path: Path, files, found):
    login, _ = written_login(written(tmp_path, {"requirements.txt": "fastapi\n", **files}), "postgres")
    assert (login and f"{login.user} {login.password} {login.database}") == found


def test_the_login_a_config_file_gives_is_the_stacks(tmp_path: Path):
    files = {"requirements.txt": "fastapi\npsycopg2-binary\n", "main.py": APP}
    files["appsettings.yaml"] = "postgres_user: reader\npostgres_password: app\npostgres_database: news\n"
    repo = read_repository(written(tmp_path, files))
    assert "POSTGRES_USER: reader" in compose_text(repo) and "POSTGRES_DB: news" in compose_text(repo)
    assert any("POSTGRES_PASSWORD=app" in text for text in env_texts(repo, ".", False, {}).values())


@pytest.mark.parametrize(
    ("name", "text", "aliases"),
    [
        # preneond/fastapi-news-article-scraper: appsettings.yaml gives its settings `postgres_server: database`, its
        # own Compose service's name; the stack's database answered to another, and ci crash-looped.
        ("appsettings.yaml", "database:\n  postgres_server: database # its Compose service\n", "aliases: [database]"),
        (".env.example", "DB_HOST=db\n", "aliases: [db]"),
        ("config/app.toml", 'pg_host = "pg-main"\n', "aliases: [pg-main]"),
        (".env.example", "DB_HOST=localhost\n", ""),
        ("appsettings.yaml", "postgres_server: ${DB_SERVER}\n", ""),  # not a name
        ("docker-compose.yml", "    environment:\n      DB_HOST: db\n", ""),  # a Compose file is no config of the app's
        ("appsettings.yaml", "redis_host: cache\n", ""),  # not a database's
    ],
)
def test_the_stacks_database_answers_to_the_host_a_config_file_names(tmp_path: Path, name, text, aliases):
    files = {
        "requirements.txt": "fastapi\nsqlalchemy\npsycopg2-binary\n",
        "main.py": "from fastapi import FastAPI\n\napp = FastAPI()\n",
    }
    compose = compose_text(read_repository(written(tmp_path, files | {name: text})))
    assert (aliases in compose) if aliases else "aliases:" not in compose
