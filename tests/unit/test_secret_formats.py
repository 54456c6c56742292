"""fastapi_stackops/adopt/secret_formats.py: secrets a library takes in its own format, made up in that format."""

from __future__ import annotations

import base64
import re
import tomllib

import pytest

from fastapi_stackops.adopt.contract_table import contract_text, written_layout
from fastapi_stackops.adopt.reading import read_repository
from fastapi_stackops.adopt.routes import Routes
from fastapi_stackops.adopt.secret_formats import formatted_secrets
from fastapi_stackops.adopt.stackfiles import env_texts
from tests.utils import written

APP = "from fastapi import FastAPI\n\napp = FastAPI()\n"


@pytest.mark.parametrize(
    ("code", "formatted"),
    [
        # yuji-sniper/fastapi-project: init made up "ci-" and 32 hex digits, and Fernet refused it at import ("Fernet key
        # must be 32 url-safe base64-encoded bytes")
        (
            "from cryptography.fernet import Fernet\nfrom decouple import config\n\nkey = config('SECRET_KEY')\ncipher = Fernet(key)\n",
            (("SECRET_KEY", "Fernet"),),
        ),
        (
            "import os\nfrom cryptography.fernet import Fernet\n\ncipher = Fernet(os.environ['CRYPT_KEY'].encode())\n",
            (("CRYPT_KEY", "Fernet"),),
        ),
        (
            "from cryptography.fernet import Fernet\nfrom app.config import settings\n\nf = Fernet(settings.FERNET_KEY.encode())\n",
            (("FERNET_KEY", "Fernet"),),
        ),
        # MIXgleb/fastapi-movie-manager: the key given by keyword, from a nested group's secret
        (
            "from cryptography.fernet import Fernet\nfrom app.config import settings\n\n"
            "f = Fernet(key=settings.auth_token.secret_fernet_key.get_secret_value())\n",
            (("secret_fernet_key", "Fernet"),),
        ),
        ("from cryptography.fernet import Fernet\n\nf = Fernet(Fernet.generate_key())\n", ()),  # a key it makes itself
        # aziyanos/FastAPI-HotelBooking: a name in capitals imported from the module that reads it, given Fernet as
        # bytes or as it is; its import stopped on "Fernet key must be 32 url-safe base64-encoded bytes"
        (
            "from cryptography.fernet import Fernet\nfrom app.config import ENCRYPT_KEY\n\n"
            "c = Fernet(ENCRYPT_KEY.encode() if isinstance(ENCRYPT_KEY, str) else ENCRYPT_KEY)\n",
            (("ENCRYPT_KEY", "Fernet"),),
        ),
        ("from cryptography.fernet import Fernet\nfrom app.config import make_key\n\nc = Fernet(make_key())\n", ()),
        # ezeparziale/fastapi-api-template: a column type of its own takes the key and hands it Fernet; init made up
        # "ci-" and hex digits, and the import stopped at the type's Fernet(...)
        (
            "from cryptography.fernet import Fernet\nfrom app.config import settings\n\nclass Encrypted:\n"
            "    def __init__(self, encryption_key, *args):\n        self.fernet = Fernet(encryption_key.encode())\n\n"
            "column = Encrypted(settings.ENCRYPTION_KEY)\nother = Encrypted(encryption_key=settings.OTHER_KEY)\n",
            (("ENCRYPTION_KEY", "Fernet"), ("OTHER_KEY", "Fernet")),
        ),
    ],
)
def test_a_read_the_code_passes_fernet_is_a_secret_of_its_format(tmp_path, code, formatted):
    assert formatted_secrets(written(tmp_path, {"crypt.py": code})) == formatted


def test_a_made_up_fernet_key_is_one_fernet_takes(tmp_path):
    code = "from cryptography.fernet import Fernet\nfrom decouple import config\n\ncipher = Fernet(config('SECRET_KEY'))\n"
    files = {"requirements.txt": "fastapi\ncryptography\npython-decouple\n", "main.py": APP, "crypt.py": code}
    ci = env_texts(read_repository(written(tmp_path, files)), "env", False, {})["env/ci.env.docker"]
    key = next(line.split("=", 1)[1] for line in ci.splitlines() if line.startswith("SECRET_KEY="))
    assert len(base64.urlsafe_b64decode(key)) == 32, ci


@pytest.mark.parametrize(
    "call", ["create_client(os.getenv('SUPABASE_URL'), KEY)", "create_client(supabase_url=URL, supabase_key=KEY)"]
)
def test_a_made_up_supabase_key_has_the_shape_its_client_checks(tmp_path, call):
    """Tirthankar03/fastapi-mvc-todo: supabase-py refused init's made-up key at import ("Invalid API key")."""
    code = f"import os\nfrom supabase import create_client\n\nURL = os.getenv('SUPABASE_URL')\nKEY = os.environ['SUPABASE_KEY']\nclient = {call}\n"
    files = {"requirements.txt": "fastapi\nsupabase\n", "main.py": APP, "db.py": code}
    ci = env_texts(read_repository(written(tmp_path, files)), "env", False, {})["env/ci.env.docker"]
    key = next(line.split("=", 1)[1] for line in ci.splitlines() if line.startswith("SUPABASE_KEY="))
    assert re.fullmatch(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+", key), ci  # supabase-py's own check, narrower


def test_a_made_up_telegram_token_has_the_shape_aiogram_checks(tmp_path):
    """Alangard/FastAPI-flight_booking: aiogram's Bot, made at import, refused init's made-up token ("TokenValidationError:
    Token is invalid!"), and init stopped with advice about --set."""
    config = "from pydantic_settings import BaseSettings\n\nclass Settings(BaseSettings):\n    TG_BOT_TOKEN: str\n\nsettings = Settings()\n"
    code = "from aiogram import Bot\nfrom config import settings\n\nbot = Bot(token=settings.TG_BOT_TOKEN)\n"
    files = {"requirements.txt": "fastapi\naiogram\npydantic-settings\n", "main.py": APP, "config.py": config, "bot.py": code}
    ci = env_texts(read_repository(written(tmp_path, files)), "env", False, {})["env/ci.env.docker"]
    token = next(line.split("=", 1)[1] for line in ci.splitlines() if line.startswith("TG_BOT_TOKEN="))
    assert re.fullmatch(r"\d{10}:[A-Za-z0-9_-]{35}", token), ci  # aiogram's own check: digits, a colon, no spaces


@pytest.mark.parametrize(("annotation", "digits"), [("int = 1234", True), ("str = 'app'", False)])
def test_a_made_up_password_its_settings_type_as_a_number_is_digits(tmp_path, annotation, digits):
    """raya-mansouri/BookStore-FastAPI-DDD: `POSTGRES_PASSWORD: int = 1234`, given "ci-Secret0..." by init; the app
    stopped at import on pydantic's int_parsing."""
    code = (
        "from pydantic_settings import BaseSettings\n\nclass Settings(BaseSettings):\n    DATABASE_URL: str\n"
        f"    POSTGRES_USER: str = 'app'\n    POSTGRES_PASSWORD: {annotation}\n    POSTGRES_DB: str = 'db'\n"
    )
    files = {"requirements.txt": "fastapi\npydantic-settings\nasyncpg\nsqlalchemy\n", "main.py": APP, "settings.py": code}
    ci = env_texts(read_repository(written(tmp_path, files)), "env", False, {})["env/ci.env.docker"]
    made_up = next(line.split("=", 1)[1] for line in ci.splitlines() if line.startswith("POSTGRES_PASSWORD="))
    assert made_up.isdigit() == digits, ci


@pytest.mark.parametrize(
    "code",
    [
        # nshib00/fastapi-booking-service, Kiriruso/pet-fastapi-booking: a required SENTRY_DSN made up as "ci-" and hex
        # digits, and the app stopped at import on "BadDsn: Unsupported scheme ''".
        "import sentry_sdk\nfrom config import settings\n\nsentry_sdk.init(dsn=settings.SENTRY_DSN, traces_sample_rate=1.0)\n",
        "import sentry_sdk\nfrom config import settings\n\nsentry_sdk.init(settings.SENTRY_DSN)\n",
    ],
)
# nik-erofeev/fastapi_example: its DSN named SENTRY_URL, which its name made a web address; sentry_sdk.init refused it
# at import ("BadDsn: Missing public key")
@pytest.mark.parametrize("name", ["SENTRY_DSN", "SENTRY_URL"])
def test_a_sentry_dsn_the_code_reads_is_given_empty_which_turns_sentry_off(tmp_path, code, name):
    code = code.replace("SENTRY_DSN", name)
    config = f"from pydantic_settings import BaseSettings\n\nclass Settings(BaseSettings):\n    {name}: str\n    SECRET: str\n\nsettings = Settings()\n"
    files = {"requirements.txt": "fastapi\nsentry-sdk\npydantic-settings\n", "main.py": APP, "config.py": config, "obs.py": code}
    repo = read_repository(written(tmp_path, files))
    assert repo.formatted == ((name, "sentry_sdk.init"),)
    ci = env_texts(repo, "env", False, {})["env/ci.env.docker"].splitlines()
    assert f"{name}=" in ci and any(line.startswith("SECRET=ci-") for line in ci), ci
    # and no start requires it: the contract's `requires`, which `inv up` checks, leaves it out (it refused the empty one)
    contract = tomllib.loads(contract_text(repo, Routes(health="/health"), "env", written_layout(repo)))
    assert contract["tool"]["stackops"]["services"]["web"]["requires"] == ["SECRET"]


@pytest.mark.parametrize("prefix", ["ci", "dev"])
def test_a_made_up_secret_is_32_characters_of_every_kind_plain_to_see_as_made_up(prefix):
    from fastapi_stackops.adopt.secret_formats import made_up_secret

    # aykut-canturk/fastapi-jwt-auth-starter encodes the secret into a Fernet key itself (urlsafe_b64encode of its
    # bytes), which must hold 32 bytes: 35 characters stopped its import
    secret = made_up_secret("CRYPTO_SECRET", (), prefix)
    assert secret.startswith(f"{prefix}-") and len(secret.encode()) == 32
    # maRT-sk/fastapi-starterpack checks its secret's strength at import ("Secret must contain at least one uppercase
    # letter"): init was refused after a build
    assert all(any(test(c) for c in secret) for test in (str.isupper, str.islower, str.isdigit, lambda c: c in "-_"))
