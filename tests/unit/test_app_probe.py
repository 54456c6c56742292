"""adopt/app_probe.py, the script init runs in the built image: run here with this Python on small apps."""

import json
import subprocess
import sys
import time
from importlib.metadata import version

import pytest

from fastapi_stackops.adopt.app_probe import FAILED, MARKER, STARTUP_FAILED
from fastapi_stackops.adopt.routes import HEALTH, PROBE, choose_routes, logged_unwritable

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


@pytest.mark.parametrize(
    ("startup", "said"),
    [
        ("read_only", "Read-only file system: 'var'"),  # in the app's own words, the OSError's among them
        ("no_database", "Connection refused"),  # what init leaves to the stack: a database the probe did not start
        ("sys_exit", "3"),  # a SystemExit in a startup does not end the probe
        ("blocks", None),  # watched for the seconds given, then left
        ("starts", None),
    ],
)
def test_the_routes_are_read_whatever_the_startup_does_and_a_failed_one_is_said(tmp_path, startup, said):
    out, took = probed(tmp_path, startup)
    routes = json.loads(out.split(MARKER, 1)[1])
    assert ["/health", ["GET"]] in routes["routes"] and took < 10
    if said is None:
        assert STARTUP_FAILED not in out
        return
    failure = json.loads(out.split(STARTUP_FAILED, 1)[1].splitlines()[0])
    assert said in failure["message"] + failure["root"] and failure["file"] == f"{tmp_path}/main.py"


def test_an_import_failure_is_reported_with_the_apps_own_frame(tmp_path):
    (tmp_path / "main.py").write_text("import os\n\nSECRET = os.environ['NO_SUCH_VARIABLE_HERE']\n")
    args = [sys.executable, "-c", PROBE, "main", "app", "", f"{tmp_path}/", "2"]
    done = subprocess.run(args, cwd=tmp_path, capture_output=True, text=True, timeout=30)
    failure = json.loads(done.stdout.split(FAILED, 1)[1].splitlines()[0])
    assert done.returncode == 1 and failure["kind"] == "KeyError" and failure["line"] == 3


def test_an_import_failure_raised_inside_a_dependency_names_its_release(tmp_path):
    (tmp_path / "main.py").write_text("import requests\n\nrequests.get('')\n")
    args = [sys.executable, "-c", PROBE, "main", "app", "", f"{tmp_path}/", "2"]
    done = subprocess.run(args, cwd=tmp_path, capture_output=True, text=True, timeout=30)
    failure = json.loads(done.stdout.split(FAILED, 1)[1].splitlines()[0])
    assert failure["library"] == f"requests {version('requests')}" and failure["line"] == 3
    assert failure["python"] == f"{sys.version_info[0]}.{sys.version_info[1]}"


def test_an_app_that_configures_logging_after_a_bare_import_logging_loads_as_uvicorn_loads_it(tmp_path):
    # notarious2/fastapi-chat: `import logging` then `logging.config.dictConfig(...)`, which works under uvicorn (it has
    # imported logging.config); the probe had not, and init refused the app ("module 'logging' has no attribute 'config'").
    app = "import logging\nfrom fastapi import FastAPI\n\nlogging.config.dictConfig({'version': 1})\napp = FastAPI()\n"
    (tmp_path / "main.py").write_text(app + "\n@app.get('/health')\ndef health():\n    return {}\n")
    args = [sys.executable, "-c", PROBE, "main", "app", "", f"{tmp_path}/", "2"]
    done = subprocess.run(args, cwd=tmp_path, capture_output=True, text=True, timeout=30)
    assert ["/health", ["GET"]] in json.loads(done.stdout.split(MARKER, 1)[1])["routes"]


def test_an_app_that_parses_its_command_line_at_import_sees_its_servers_as_it_runs(tmp_path):
    # vatezj/fastapi-demo: argparse at import unless `uvicorn` is argv[0], as under its server; the probe's own
    # arguments met it, and init refused the app ("unrecognized arguments: server app /srv/ 6").
    app = "import argparse, sys\nfrom fastapi import FastAPI\n\nif 'uvicorn' not in sys.argv[0]:\n"
    app += "    argparse.ArgumentParser().parse_args()\nFAIL = 'uvicorn' not in sys.argv[0]\napp = FastAPI()\n"
    (tmp_path / "main.py").write_text(app + "\n@app.get('/health')\ndef health():\n    return 1 / (not FAIL)\n")
    args = [sys.executable, "-c", PROBE, "main", "app", "", f"{tmp_path}/", "2", "/opt/venv/bin/uvicorn"]
    done = subprocess.run(args, cwd=tmp_path, capture_output=True, text=True, timeout=30)
    assert MARKER in done.stdout, done.stdout + done.stderr
    assert ["/health", ["GET"]] in json.loads(done.stdout.split(MARKER, 1)[1])["routes"]


def test_an_app_that_asks_for_the_running_loop_as_it_loads_is_loaded_inside_one_as_uvicorn_loads_it(tmp_path):
    # pkrecz/fastapi-service-async: `asyncio.get_running_loop().create_task(...)` at import, which uvicorn runs in its
    # loop; the probe imported it outside one, and init refused the app ("no running event loop").
    app = "import asyncio\nfrom fastapi import FastAPI\n\nasync def warm():\n    pass\n\n"
    app += (
        "app = FastAPI()\nasyncio.get_running_loop().create_task(warm())\n\n@app.get('/health')\ndef health():\n    return {}\n"
    )
    (tmp_path / "main.py").write_text(app)
    args = [sys.executable, "-c", PROBE, "main", "app", "", f"{tmp_path}/", "2"]
    done = subprocess.run(args, cwd=tmp_path, capture_output=True, text=True, timeout=30)
    assert ["/health", ["GET"]] in json.loads(done.stdout.split(MARKER, 1)[1])["routes"]


@pytest.mark.parametrize(("guard", "status"), [("401", 401), ("403", 403), ("", 0)])
def test_a_middleware_that_asks_every_path_for_a_login_is_said_with_the_status_it_answers(tmp_path, guard, status):
    # morikeli/fastapi-sqlmodel: an HTTP middleware answers 401 to every path, its OpenAPI document too; init made the
    # document the ready path, and inv ci waited for it to answer 200 until it gave up.
    app = "from fastapi import FastAPI\nfrom fastapi.responses import JSONResponse\n\napp = FastAPI()\n\n"
    app += "@app.middleware('http')\nasync def login(request, call_next):\n"
    app += f"    return JSONResponse({{}}, status_code={guard})\n" if guard else "    return await call_next(request)\n"
    app += "\n@app.get('/items')\ndef items():\n    return []\n"
    (tmp_path / "main.py").write_text(app)
    args = [sys.executable, "-c", PROBE, "main", "app", "", f"{tmp_path}/", "2"]
    done = subprocess.run(args, cwd=tmp_path, capture_output=True, text=True, timeout=30)
    assert json.loads(done.stdout.split(MARKER, 1)[1])["guarded"] == status


@pytest.mark.parametrize(("exempt", "refusing"), [("'/'", {"/health": 401}), ("'/', '/health'", {})])
def test_a_health_route_a_middleware_asks_a_login_of_is_said_with_the_status_it_answers(tmp_path, exempt, refusing):
    # sajidreshmi/fastapi-crm: a middleware raises HTTPException(401) for any path but a few (the document among them),
    # /health too, which its server answers 500: init made /health the health check, and inv ci's web never got healthy.
    app = "from fastapi import FastAPI, HTTPException\n\napp = FastAPI()\n\n@app.middleware('http')\n"
    app += f"async def login(request, call_next):\n    if request.url.path not in ({exempt}, '/openapi.json'):\n"
    app += "        raise HTTPException(status_code=401)\n    return await call_next(request)\n\n"
    app += "@app.get('/health')\ndef health():\n    return {}\n"
    (tmp_path / "main.py").write_text(app)
    args = [sys.executable, "-c", PROBE, "main", "app", "", f"{tmp_path}/", "2", "uvicorn", f"(?i){HEALTH.pattern}"]
    done = subprocess.run(args, cwd=tmp_path, capture_output=True, text=True, timeout=30)
    asked = json.loads(done.stdout.split(MARKER, 1)[1])
    assert (asked["refusing"], asked["guarded"]) == (refusing, 0)
    assert choose_routes(asked).health == ("" if refusing else "/health")


@pytest.mark.parametrize(
    ("body", "health"),
    [
        # nik-erofeev/fastapi_example: its /ping, a demonstration of error reporting, raises whatever it is asked; init
        # made it the health check, and inv ci's web never got healthy
        ("    if randint(0, 10) % 2 == 0:\n        raise ValueError\n    raise ZeroDivisionError\n", "/api/health"),
        ("    if randint(0, 10) < 0:\n        raise ValueError\n    return {}\n", "/ping"),  # raising only on a branch
    ],
)
def test_a_health_like_route_whose_function_always_raises_is_no_health_check(tmp_path, body, health):
    app = "from random import randint\nfrom fastapi import FastAPI\n\napp = FastAPI()\n\n"
    app += f"@app.get('/ping')\nasync def ping():\n{body}\n@app.get('/api/health')\ndef health():\n    return {{}}\n"
    (tmp_path / "main.py").write_text(app)
    args = [sys.executable, "-c", PROBE, "main", "app", "", f"{tmp_path}/", "2", "uvicorn", f"(?i){HEALTH.pattern}"]
    done = subprocess.run(args, cwd=tmp_path, capture_output=True, text=True, timeout=30)
    chosen = choose_routes(json.loads(done.stdout.split(MARKER, 1)[1]))
    assert chosen.health == health


def test_the_key_files_its_settings_name_and_the_image_lacks_are_said(tmp_path):
    # vavlxxx/FastAPI-JWT: its settings name creds/jwt-private.pem, git-ignored, which only a login opens: the app
    # imported, and its tests failed on the file.
    (tmp_path / "held.pem").write_text("")
    (tmp_path / "config.py").write_text(
        "from pathlib import Path\nfrom pydantic import BaseModel\n\nBASE_DIR = Path(__file__).parent\n\n"
        "class Auth(BaseModel):\n    private: Path = BASE_DIR / 'creds' / 'jwt-private.pem'\n"
        "    held: Path = BASE_DIR / 'held.pem'\n    cert: str = 'tls/cert.pem'\n\n"
        "class Settings(BaseModel):\n    auth: Auth = Auth()\n\nsettings = Settings()\n"
    )
    (tmp_path / "main.py").write_text("import config\nfrom fastapi import FastAPI\n\napp = FastAPI()\n")
    args = [sys.executable, "-c", PROBE, "main", "app", "", f"{tmp_path}/", "2"]
    done = subprocess.run(args, cwd=tmp_path, capture_output=True, text=True, timeout=30)
    routes = json.loads(done.stdout.split(MARKER, 1)[1])
    # Every .pem it lacks, nested or relative; which of them are keys is init's to judge (key_files).
    assert routes["keys"] == [f"{tmp_path}/creds/jwt-private.pem", f"{tmp_path}/tls/cert.pem"]


def test_a_write_under_the_read_only_code_as_the_app_answers_is_said_as_a_startups(tmp_path):
    # nddat1811/fastapi_demo: a middleware logs each request to app/logs/log_week_<n>.csv; the probe's request swallowed
    # the read-only error, init learned nothing, and inv ci's web never got healthy.
    app = "from fastapi import FastAPI\n\napp = FastAPI()\n\n@app.middleware('http')\nasync def log(request, call_next):\n"
    app += "    raise OSError(30, 'Read-only file system', 'app/logs/log_week_2026_50.csv')\n"
    (tmp_path / "main.py").write_text(app)
    args = [sys.executable, "-c", PROBE, "main", "app", "", f"{tmp_path}/", "2"]
    done = subprocess.run(args, cwd=tmp_path, capture_output=True, text=True, timeout=30)
    assert logged_unwritable(done) == {"kind": "OSError", "message": "Read-only file system: 'app/logs/log_week_2026_50.csv'"}
