"""app_mode: the mode dev, ci and the suite run the app in, and the settings that keep an HTTPS redirect off."""

import pytest

from fastapi_stackops.adopt.app_environment import app_environment
from fastapi_stackops.adopt.reading import read_repository
from fastapi_stackops.adopt.stackfiles import env_texts
from tests.utils import written

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
