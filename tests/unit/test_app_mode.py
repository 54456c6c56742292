"""app_mode: the mode dev, ci and the suite run the app in, and the settings that keep an HTTPS redirect off."""

import pytest

from fastapi_stackops.adopt.app_environment import app_environment
from fastapi_stackops.adopt.app_mode import local_mode
from fastapi_stackops.adopt.reading import read_repository
from fastapi_stackops.adopt.stackfiles import env_texts
from tests.utils import written

APP = "from fastapi import FastAPI\n\napp = FastAPI()\n"
ADDS = "    app.add_middleware(HTTPSRedirectMiddleware)\n"


@pytest.mark.parametrize(
    ("field", "guard", "dev"),
    [
        # ixdlabs/fastapi-template: the redirect added unless settings.debug, which defaults to False; every
        # healthcheck got a 307 to https:// and the web never became healthy in ci.
        ("    debug: bool = False\n", f"if not settings.debug:\n{ADDS}", ("DEBUG", "true", "false")),
        ("    redirect_http: bool = True\n", f"if settings.redirect_http:\n{ADDS}", ("REDIRECT_HTTP", "false", "true")),
        ("    debug: bool = False\n", f"if settings.debug:\n    pass\nelse:\n{ADDS}", None),  # the else's: not read here
        ("    debug: str = 'x'\n", f"if not settings.debug:\n{ADDS}", None),  # no boolean to turn
        # maRT-sk/fastapi-starterpack: `is_production = not DEBUG`, the redirect added `if is_production:`; every
        # healthcheck got a 307 and the web never became healthy in ci.
        (
            "    debug: bool = False\n",
            f"is_production = not settings.debug\nif is_production:\n{ADDS}",
            ("DEBUG", "true", "false"),
        ),
        ("    debug: bool = False\n", f"strict: bool = settings.debug\nif not strict:\n{ADDS}", ("DEBUG", "true", "false")),
        # assigned twice: which one holds is not read here
        ("    debug: bool = False\n", f"strict = settings.debug\nstrict = True\nif not strict:\n{ADDS}", None),
    ],
)
def test_a_setting_an_https_redirect_is_added_under_is_turned_off_in_dev_and_ci_only(tmp_path, field, guard, dev):
    config = f"from pydantic_settings import BaseSettings\n\nclass Settings(BaseSettings):\n{field}\n\nsettings = Settings()\n"
    main = "from fastapi import FastAPI\nfrom starlette.middleware.httpsredirect import HTTPSRedirectMiddleware\n"
    main += f"from config import settings\n\napp = FastAPI()\n{guard}"
    repo = read_repository(written(tmp_path, {"requirements.txt": "fastapi\n", "main.py": main, "config.py": config}))
    texts = env_texts(repo, "env", False, {})
    if dev is None:
        assert "No redirect to HTTPS" not in texts["env/ci.env.docker"]
        return
    variable, value, default = dev
    for env in ("ci", "dev"):
        assert f"\n{variable}={value}\n" in texts[f"env/{env}.env.docker"]
    assert variable not in texts["env/prod.env.docker"]
    assert app_environment(repo)[variable] == f"${{{variable}-{default}}}"


COMPARED = "URL = 'a' if current_env == 'testing' else 'b' if current_env == 'development' else 'c'\n"


@pytest.mark.parametrize(
    ("compared_in", "mode"),
    [
        # samuelpedrajas/fastapi_boilerplate: FASTAPI_ENV required, bound in config.py to `current_env`, which db.py
        # imports and compares with "testing"; a made-up secret picked neither branch, and the import failed
        ("from config import current_env\n\n" + COMPARED, ("development", "testing")),
        ("from elsewhere import current_env\n\n" + COMPARED, None),  # not the repository's module
    ],
)
def test_a_required_mode_compared_through_a_name_another_module_binds_runs_in_its_local_value(tmp_path, compared_in, mode):
    config = "import os\nfrom pydantic_settings import BaseSettings\n\nclass S(BaseSettings):\n    FASTAPI_ENV: str\n\n"
    config += "current_env = os.environ.get('FASTAPI_ENV', 'testing')\n"
    files = {"requirements.txt": "fastapi\npydantic-settings\n", "main.py": APP, "config.py": config, "db.py": compared_in}
    repo = read_repository(written(tmp_path, files))
    found = local_mode(repo.settings, repo.root)
    assert ((found.local, found.test) if found else None) == mode
