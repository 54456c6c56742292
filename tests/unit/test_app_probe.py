"""adopt/app_probe.py, the script init runs in the built image: run here with this Python on small apps."""

import json
import subprocess
import sys
import time

import pytest

from fastapi_stackops.adopt.app_probe import FAILED, MARKER
from fastapi_stackops.adopt.routes import PROBE

STARTUPS = {
    # A write under the code at startup, on a read-only root filesystem: the app wraps the OSError in its own.
    "read_only": "    try:\n        raise OSError(30, 'Read-only file system', 'var')\n"
    "    except OSError as exc:\n        raise RuntimeError(f'storage var/storage is not writable: {exc}') from exc\n",
    # What a stack started with the probe's --no-deps gives: no database. Not the probe's to judge.
    "no_database": "    raise ConnectionRefusedError(111, 'Connection refused')\n",
    "sys_exit": "    raise SystemExit(3)\n",
    "blocks": "    time.sleep(60)\n",  # a startup that waits for a database, without yielding
    "starts": "    pass\n",
}


def probed(tmp_path, startup: str) -> tuple[str, float]:
    app = "import time\nfrom contextlib import asynccontextmanager\nfrom fastapi import FastAPI\n\n@asynccontextmanager\n"
    app += f"async def lifespan(app):\n{STARTUPS[startup]}    yield\n\napp = FastAPI(lifespan=lifespan)\n\n"
    app += "@app.get('/health')\ndef health():\n    return {}\n"
    (tmp_path / "main.py").write_text(app)
    began = time.monotonic()
    args = [sys.executable, "-c", PROBE, "main", "app", "", f"{tmp_path}/", "2"]
    done = subprocess.run(args, cwd=tmp_path, capture_output=True, text=True, timeout=30)
    return done.stdout, time.monotonic() - began


def test_a_write_the_app_makes_at_startup_on_a_read_only_filesystem_is_reported_where_it_was_made(tmp_path):
    out, _ = probed(tmp_path, "read_only")
    assert MARKER not in out
    failure = json.loads(out.split(FAILED, 1)[1].splitlines()[0])
    assert failure["kind"] == "OSError" and "Read-only file system: 'var'" in failure["message"]
    assert failure["message"].endswith("(at the app's startup)") and failure["file"] == f"{tmp_path}/main.py"


@pytest.mark.parametrize("startup", ["no_database", "sys_exit", "blocks", "starts"])
def test_any_other_startup_leaves_the_routes_to_be_read(tmp_path, startup):
    out, took = probed(tmp_path, startup)
    routes = json.loads(out.split(MARKER, 1)[1])
    assert ["/health", ["GET", "HEAD"]] in routes["routes"] or ["/health", ["GET"]] in routes["routes"]
    assert took < 10  # a blocked startup is watched for the seconds given, then left


def test_an_import_failure_is_reported_with_the_apps_own_frame(tmp_path):
    (tmp_path / "main.py").write_text("import os\n\nSECRET = os.environ['NO_SUCH_VARIABLE_HERE']\n")
    args = [sys.executable, "-c", PROBE, "main", "app", "", f"{tmp_path}/", "2"]
    done = subprocess.run(args, cwd=tmp_path, capture_output=True, text=True, timeout=30)
    failure = json.loads(done.stdout.split(FAILED, 1)[1].splitlines()[0])
    assert done.returncode == 1 and failure["kind"] == "KeyError" and failure["line"] == 3
