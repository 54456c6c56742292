"""Start-up work before the server: wait for the database, migrate to head.

`python -m app.migrate prestart` is what the image's entrypoint runs;
`upgrade`, `current` and `heads` serve `inv migrate`.
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import signal
import sys
import time
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError

from app.db import make_engine
from app.observability import configure_logging
from app.settings import get_settings

log = logging.getLogger("app.migrate")

ALEMBIC_INI = Path(__file__).with_name("alembic.ini")
# Any constant both replicas agree on: pg_advisory_lock serialises upgrades.
MIGRATION_LOCK_KEY = 7_041_302_917
#: Left by a failed start-up migration; the server's exit hook turns it into exit 1.
FAILURE_MARKER = Path(os.environ.get("MIGRATION_FAILURE_MARKER", "/tmp/migration-failed"))


def alembic_config() -> Config:
    return Config(str(ALEMBIC_INI))


def head_revisions() -> set[str]:
    return set(ScriptDirectory.from_config(alembic_config()).get_heads())


def current_revisions(engine: Engine) -> set[str]:
    with engine.connect() as connection:
        return set(MigrationContext.configure(connection).get_current_heads())


#: Refusals that no retry can fix: a wrong password, an unknown role or database.
REFUSED_SQLSTATES = {"28P01", "28000", "3D000"}
REFUSED_REASONS = re.compile(
    r'password authentication failed|no password supplied|no pg_hba\.conf entry|(role|database) ".*" does not exist'
)


class DatabaseRefused(Exception):
    """The database answered and said no: configuration, not timing."""


def refused_for_good(error: OperationalError) -> bool:
    """A server that answers and rejects the login, as opposed to one not up yet."""
    return getattr(error.orig, "sqlstate", None) in REFUSED_SQLSTATES or bool(REFUSED_REASONS.search(str(error.orig or error)))


def wait_for_database(engine: Engine, timeout: float, first_delay: float = 0.25, max_delay: float = 4.0) -> int:
    """Retry a trivial query with exponential backoff; return attempts or raise after `timeout` s.

    Orchestrators other than Compose have no depends_on, so the service waits
    itself; but only for a database that does not answer yet. Rejected
    credentials raise DatabaseRefused at once.
    """
    deadline = time.monotonic() + timeout
    delay, attempt = first_delay, 0
    while True:
        attempt += 1
        try:
            with engine.connect() as connection:
                connection.execute(text("SELECT 1"))
            return attempt
        except OperationalError as error:
            left = deadline - time.monotonic()
            reason = str(error.orig or error).strip().splitlines()[0]
            if refused_for_good(error):
                raise DatabaseRefused(f"the database refused the connection: {reason}") from None
            if left <= 0:
                raise TimeoutError(f"database not reachable after {timeout:.0f}s ({attempt} attempts): {reason}") from None
            log.info(
                "waiting for the database", extra={"attempt": attempt, "retry_in_s": round(min(delay, left), 2), "reason": reason}
            )
            time.sleep(min(delay, left))
            delay = min(delay * 2, max_delay)


def upgrade_to_head(engine: Engine) -> tuple[set[str], set[str]]:
    """Upgrade to head; on PostgreSQL under an advisory lock so replicas take turns.

    The second replica to get the lock finds the schema at head and does nothing.
    """
    config = alembic_config()
    with engine.connect() as connection:
        postgres = connection.dialect.name == "postgresql"
        if postgres:
            connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
            connection.commit()
        try:
            before = set(MigrationContext.configure(connection).get_current_heads())
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
            connection.commit()
            after = set(MigrationContext.configure(connection).get_current_heads())
        finally:
            if postgres:
                connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": MIGRATION_LOCK_KEY})
                connection.commit()
    return before, after


def stop_server(pid: int, attempts: int = 120, interval: float = 0.5) -> None:
    """SIGTERM the server until it is gone.

    As a container's PID 1 it ignores signals it has no handler for yet, so a
    migration that fails before gunicorn has set up its handlers would
    otherwise leave it serving an unmigrated database forever.
    """
    for _ in range(attempts):
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        time.sleep(interval)


def prestart(stop_pid: int | None = None) -> int:
    """Wait for the database, migrate to head; on failure stop the server at `stop_pid`."""
    FAILURE_MARKER.unlink(missing_ok=True)
    try:
        settings = get_settings()
    except SystemExit:  # a bad setting (already said): the server cannot serve either
        if stop_pid:
            FAILURE_MARKER.write_text("invalid setting")
            stop_server(stop_pid)
        return 2
    configure_logging(settings.log_level)
    engine = make_engine(settings)
    try:
        attempts = wait_for_database(engine, settings.db_wait_seconds)
        log.info("database answers", extra={"attempts": attempts})
        before, after = upgrade_to_head(engine)
    except Exception as error:  # unreachable database or a broken migration: say which, then stop
        if isinstance(error, TimeoutError | DatabaseRefused):
            log.error(str(error))
        else:
            log.exception("migration failed: %s", str(error).splitlines()[0] if str(error) else type(error).__name__)
        if stop_pid:
            FAILURE_MARKER.write_text(str(error)[:2000])
            stop_server(stop_pid)
        return 1
    finally:
        engine.dispose()
    if before == after:
        log.info("schema already at head", extra={"revision": ",".join(sorted(after))})
    else:
        log.info("migrated", extra={"from_revision": ",".join(sorted(before)) or "empty", "to_revision": ",".join(sorted(after))})
    return 0


def new_revision(message: str) -> int:
    """Autogenerate a migration from the models, against a scratch SQLite database at head."""
    import tempfile

    from sqlalchemy import create_engine

    with tempfile.TemporaryDirectory() as scratch:
        engine = create_engine(f"sqlite:///{scratch}/scratch.db")
        upgrade_to_head(engine)
        config = alembic_config()
        with engine.connect() as connection:
            config.attributes["connection"] = connection
            script = command.revision(config, message=message, autogenerate=True)
    print(f"wrote {script.path if script else 'nothing'}; review it before committing")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m app.migrate", description=__doc__)
    parser.add_argument("action", choices=["prestart", "upgrade", "current", "heads", "revision"])
    parser.add_argument("--message", "-m", help="revision: what the new migration does")
    parser.add_argument("--stop-pid", type=int, help="prestart: the server's PID, stopped if migrating fails")
    arguments = parser.parse_args(argv)
    action = arguments.action
    if action == "revision":
        return new_revision(arguments.message or "change")
    if action == "prestart":
        return prestart(arguments.stop_pid)
    settings = get_settings()
    engine = make_engine(settings)
    if action == "upgrade":
        # A job an orchestrator starts beside the database (a Swarm service, a
        # Kubernetes Job) may well start first: wait as prestart does.
        wait_for_database(engine, settings.db_wait_seconds)
        before, after = upgrade_to_head(engine)
        print(f"upgraded: {','.join(sorted(before)) or 'empty'} -> {','.join(sorted(after))}")
    elif action == "current":
        current, heads = current_revisions(engine), head_revisions()
        print(
            f"current: {','.join(sorted(current)) or 'empty'} (head: {','.join(sorted(heads))}{', up to date' if current == heads else ', behind'})"
        )
    else:
        print(",".join(sorted(head_revisions())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
