"""backups.py: which databases a stack's running containers hold, and the helper commands that back them up."""

from datetime import UTC, datetime

import pytest

from fastapi_stackops import StackError
from fastapi_stackops.backups import (
    Database,
    backup_name,
    database_of,
    database_of_backup,
    dump_command,
    listed,
    restore_command,
    sqlite_file,
)


def inspected(env=(), mounts=(), workdir="/srv/app", networks=("shop_default",)):
    return {
        "Name": "/shop-x-1",
        "Image": "sha256:abc",
        "Config": {"Env": list(env), "WorkingDir": workdir},
        "Mounts": [{"Type": "volume", "Name": "shop_data", "Destination": d} for d in mounts],
        "NetworkSettings": {"Networks": {n: {} for n in networks}},
    }


@pytest.mark.parametrize(
    ("env", "user", "name"),
    [
        (["POSTGRES_PASSWORD=pw"], "postgres", "postgres"),  # the official image's defaults
        (["POSTGRES_USER=app", "POSTGRES_PASSWORD=pw"], "app", "app"),  # the database is named after the user
        (["POSTGRES_USER=app", "POSTGRES_DB=notes", "POSTGRES_PASSWORD=pw"], "app", "notes"),
    ],
)
def test_a_container_with_the_official_postgres_variables_is_a_postgres_server(env, user, name):
    database = database_of("db", inspected(env))
    assert (database.kind, database.user, database.name, database.password) == ("postgres", user, name, "pw")
    assert database.network == "shop_default" and database.container == "shop-x-1"


@pytest.mark.parametrize(
    ("value", "workdir", "path"),
    [
        ("sqlite:////data/app.db", "/srv/app", "/data/app.db"),  # four slashes: absolute
        ("sqlite+aiosqlite:///./data/app.db", "/srv/app", "/srv/app/data/app.db"),  # three: from the workdir
        ("sqlite:///app.db?check_same_thread=false", "/srv", "/srv/app.db"),
        ("sqlite:///:memory:", "/srv", ""),
        ("postgresql://u@db/app", "/srv", ""),
    ],
)
def test_a_sqlite_url_names_its_file(value, workdir, path):
    assert sqlite_file({"APP_DATABASE_URL": value}, workdir) == path


def test_a_sqlite_file_on_a_volume_is_kept_and_one_in_the_container_is_refused():
    kept = database_of("api", inspected(["DB=sqlite:////data/app.db"], mounts=["/data"]))
    assert (kept.kind, kept.path, kept.image) == ("sqlite", "/data/app.db", "sha256:abc")
    with pytest.raises(StackError, match="api's SQLite file /srv/app/app.db is on no volume.*mount a volume"):
        database_of("api", inspected(["DB=sqlite:///app.db"], mounts=["/data"]))
    assert database_of("cache", inspected(["REDIS_URL=redis://redis:6379"])) is None


POSTGRES = Database("postgres", "db", "shop-db-1", "sha256:abc", network="shop_default", user="app", name="notes")
SQLITE = Database("sqlite", "api", "shop-api-1", "sha256:def", path="/data/app.db")


def test_a_backup_is_named_by_service_time_and_kind():
    now = datetime(2026, 12, 2, 15, 4, 5, tzinfo=UTC)
    assert backup_name(POSTGRES, now) == "db-20261202T150405Z.pgdump"
    assert backup_name(SQLITE, now, "before-restore") == "api-20261202T150405Z-before-restore.sqlite3"


@pytest.mark.parametrize(
    ("name", "error"),
    [
        ("../etc/passwd", "is not a backup name; `inv backup --list` lists them"),
        ("cache-20261202T150405Z.pgdump", "is a backup of no running database (running: db (postgres), api (sqlite))"),
        ("db-20261202T150405Z.sqlite3", "start the stack first (inv up)"),  # db is PostgreSQL here
    ],
)
def test_a_backup_that_belongs_to_no_running_database_is_refused_in_one_line(name, error):
    with pytest.raises(StackError, match=error.replace("(", r"\(").replace(")", r"\)")):
        database_of_backup(name, [POSTGRES, SQLITE])


def test_a_backup_belongs_to_the_database_of_its_service_and_kind():
    assert database_of_backup("db-20261202T150405Z.pgdump", [SQLITE, POSTGRES]) is POSTGRES
    assert database_of_backup("api-20261202T150405Z-before-restore.sqlite3", [POSTGRES, SQLITE]) is SQLITE


def test_postgres_is_dumped_and_restored_by_its_own_tools_over_the_network():
    dump = dump_command(POSTGRES, "db-1.pgdump")
    assert dump["entrypoint"][:2] == ["sh", "-c"] and "pg_dump" in dump["entrypoint"][2]
    assert dump["command"] == ["/backups/db-1.pgdump", "-h", "db", "-U", "app", "-d", "notes"]
    restore = restore_command(POSTGRES, "db-1.pgdump")
    assert restore["entrypoint"] == ["pg_restore"] and {"--clean", "--if-exists", "--exit-on-error"} <= set(restore["command"])


def test_sqlite_is_copied_both_ways_by_its_online_backup_api():
    assert dump_command(SQLITE, "api-1.sqlite3")["command"] == ["/data/app.db", "/backups/api-1.sqlite3", "partial"]
    assert restore_command(SQLITE, "api-1.sqlite3")["command"] == ["/backups/api-1.sqlite3", "/data/app.db", "in-place"]
    assert ".backup(" in dump_command(SQLITE, "x")["entrypoint"][-1]


def test_the_listing_is_read_back_by_name():
    assert listed(b"3576 db-2.pgdump\n12288 api-1.sqlite3\n\n") == [("api-1.sqlite3", 12288), ("db-2.pgdump", 3576)]
    assert listed(b"") == []


@pytest.mark.parametrize("kind", ["postgres", "sqlite"])
def test_a_backup_is_written_under_a_partial_name_first_so_a_listed_name_is_whole(tmp_path, kind):
    """The helpers' shell and Python, run here: an interrupted backup leaves only a .partial file, which no listing
    shows."""
    import subprocess
    import sys

    from fastapi_stackops.backups import LIST_SCRIPT, PG_DUMP, SQLITE_COPY

    folder = tmp_path / "backups"
    folder.mkdir()
    (folder / "db-1.pgdump.partial").write_text("half")
    (folder / "db-0.pgdump").write_text("whole")
    listing = subprocess.run(["sh", "-c", LIST_SCRIPT.replace("/backups", str(folder))], capture_output=True)
    assert listed(listing.stdout) == [("db-0.pgdump", 5)]
    if kind == "sqlite":
        import sqlite3

        with sqlite3.connect(tmp_path / "app.db") as db:
            db.execute("create table t (x)")
        subprocess.run([sys.executable, "-c", SQLITE_COPY, str(tmp_path / "app.db"), str(folder / "a.sqlite3"), "partial"])
        assert (folder / "a.sqlite3").is_file() and not (folder / "a.sqlite3.partial").exists()
    else:  # a pg_dump that fails: nothing under the name
        fake = tmp_path / "bin"
        fake.mkdir()
        (fake / "pg_dump").write_text('#!/bin/sh\nfor a; do last=$a; done\necho half > "$last"\nexit 1\n')
        (fake / "pg_dump").chmod(0o755)
        env = {"PATH": f"{fake}:/usr/bin:/bin"}
        subprocess.run(["sh", "-c", PG_DUMP, str(folder / "db-2.pgdump"), "-h", "db"], env=env)
        assert not (folder / "db-2.pgdump").exists() and (folder / "db-2.pgdump.partial").exists()
