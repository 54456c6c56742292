"""workers: the repository's worker and the command that runs it."""

import pytest

from fastapi_stackops.adopt.reading import read_repository
from tests.utils import written

FASTAPI = "from fastapi import FastAPI\n\napp = FastAPI()\n"


@pytest.mark.parametrize(
    ("files", "command"),
    [
        # Light-it-labs/fastapi-template: its Celery app beside the FastAPI one in app/main.py; `celery -A app.main`
        # took the module's `app`, FastAPI's, and the worker crash-looped on "'FastAPI' object has no attribute ...".
        ({"app/__init__.py": "", "app/main.py": FASTAPI + "celery = Celery('x')\n"}, "celery -A app.main:celery worker"),
        ({"main.py": FASTAPI, "tasks.py": "celery_app = Celery('x')\n"}, "celery -A tasks worker"),  # Celery finds its own
        ({"main.py": FASTAPI, "worker.py": "app = Celery('x')\n"}, "celery -A worker worker"),
        # ixdlabs/fastapi-template: its Celery app made by a factory, assigned in worker_app.py (and thrown away in the
        # web's module to make it the default); init ran no worker, and the readiness check's ping found none.
        (
            {
                "main.py": FASTAPI + "from factory import make\n\n_ = make()\n",
                "factory.py": "def make() -> Celery:\n    app = Celery('x')\n    return app\n",
                "worker_app.py": "from factory import make\n\napp = make()\n",
            },
            "celery -A worker_app worker",
        ),
        # rjalexa/fastapi-async: src/api/main.py, run from its folder, holds the Celery app too; `celery -A
        # api.main:celery_app` crash-looped on "No module named 'api'", src/api being on the path, not src.
        (
            {"src/api/main.py": "from config import s\n" + FASTAPI + "celery_app = Celery('x')\n", "src/api/config.py": ""},
            "celery -A main:celery_app worker",
        ),
    ],
)
def test_celery_is_given_its_app_by_name_when_the_module_s_app_is_another(tmp_path, files, command):
    files = {name: ("from celery import Celery\n" + text if "Celery(" in text else text) for name, text in files.items()}
    repo = read_repository(written(tmp_path, {"requirements.txt": "fastapi\ncelery\nredis\n", **files}))
    assert repo.worker == f"{command} --loglevel INFO"
