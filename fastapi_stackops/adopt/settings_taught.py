"""The settings a failed first start names, and the values to give them: those left unset that the app needs, and
those whose made-up or default value its types or checks refused."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

from fastapi_stackops.adopt.app_mode import modes_left_none
from fastapi_stackops.adopt.app_settings import setting_fields
from fastapi_stackops.adopt.refused_values import compared_with, folders_made_up, redis_by_use, refused_made_up
from fastapi_stackops.adopt.repository import Repository
from fastapi_stackops.adopt.routes import ImportFailed
from fastapi_stackops.adopt.unset_reads import reads_behind, reads_in, reads_on

#: A pydantic field given None (pydantic 2's words): `MAIL_FROM_NAME\n  Input should be ... input_value=None`.
NONE_FIELD = re.compile(r"^(\w+)\n\s+Input should be [^\[]*\[[^\]]*input_value=None\b", re.M)
#: A field's own validator refusing its value (pydantic 2's words: `secret_key\n  Value error, ...`): when that is its
#: default, a placeholder the app will not run with (`SECRET_KEY = "CHANGE_ME_IN_ENV_FILE"`), a made-up secret is not.
REFUSED_FIELD = re.compile(r"^(\w+)\n\s+Value error,", re.M)


def unset(failed: ImportFailed, repo: Repository) -> tuple[str, ...]:
    """Settings defaulting to empty that the failure names: the app's own check that one is set, in its own words
    ("SECRET_KEY no está configurada"), or a line of its own failing on one unset; or a default its own validator
    refused: a secret like those with no default."""
    fields = setting_fields(repo.settings)
    # In any case: a library names the argument it was given empty ("supabase_url is required").
    named = [f.variable for f in fields if f.defaults_to_empty and re.search(rf"\b{f.variable}\b", failed.words, re.I)]
    failure = failed.failure
    # A bare check of a name the code read with no default, a conversion of one (`int(None)`) or a library's check of
    # one (aiogram's "must be 'str' type instead of <class 'NoneType'>"), on the app's own line; a model's field given
    # None, read into it in the file that made the model.
    checked = failure and (failure.kind == "AssertionError" or "NoneType" in failure.message)
    given_none = NONE_FIELD.findall(failure.message) if failure and failure.kind == "ValidationError" else []
    path, line = failure.own_line(repo.root) if checked or given_none else (None, "")
    if path:
        named += sorted(reads_behind(path, " ".join(given_none) or line, repo.root) | reads_on(line))
        # A setting defaulting to empty the statement hands on: FastAPI's "A title must be provided for OpenAPI" of
        # `FastAPI(title=configs.TITLE)`, a line or two below `app = FastAPI(` (My-Wang825, labeebkm).
        statement = failure.own_statement(repo.root) or line
        named += [f.variable for f in fields if f.defaults_to_empty and re.search(rf"\.{f.name}\b", statement)]
    # The app's own check of a name its failing file read with no default, the name in its words ("Missing required
    # configuration settings: SECRET_KEY", of `SECRET_KEY = os.getenv("SECRET_KEY")` and a loop over several).
    own = failure.own_line(repo.root)[0] if failure else None
    named += sorted(v for v in reads_in(own) if re.search(rf"\b{v}\b", failed.words))
    validated = failure and failure.kind == "ValidationError"
    refused = {name.lower() for name in REFUSED_FIELD.findall(failure.message)} if validated else set()
    refused |= named_by_the_model(failure.message, fields) if validated else set()
    defaulted = [f for f in fields if f.name.lower() in refused and (f.default or f.default_code)]
    named += [f.variable for f in defaulted if f.variable not in repo.required]
    return tuple(dict.fromkeys(named))


#: A model's own validator refusing it whole, in its own words: its error has no field's line before it.
MODEL_REFUSED = re.compile(r"validation errors? for \w+\n\s+Value error, ([^\[]*)")


def named_by_the_model(message: str, fields) -> set[str]:
    """The fields a model's own validator names as it refuses the model (par4d15e/fastapi_backend's "jwt_secret must
    not be the default placeholder", from a `model_validator`), lowercased."""
    said = " ".join(MODEL_REFUSED.findall(message))
    return {f.name.lower() for f in fields if said and re.search(rf"(?<![\w.]){re.escape(f.name)}(?!\w)", said, re.I)}


def as_settings(refused: Mapping[str, str], repo: Repository, path: Path | None = None) -> dict[str, str]:
    """Each refused field as the variable to set: a library's own (fastapi-mail's `MAIL_FROM`, fed an empty setting)
    is no setting of the app, so the settings defaulting to empty whose names hold its words (`EMAIL_FROM_ADDRESS`),
    else the variables the failing file's call feeds it (`MAIL_FROM=smtp_user`, of `os.getenv("SMTP_USER")`)."""
    fields = setting_fields(repo.settings)
    variables = {f.variable for f in fields}
    taken: dict[str, str] = {}
    for name, value in refused.items():
        words = [word for word in name.split("_") if word]
        fed = [f.variable for f in fields if f.defaults_to_empty and all(word in f.variable for word in words)]
        behind = sorted(reads_behind(path, name, repo.root)) if path and name not in variables else []
        taken |= dict.fromkeys(fed if name not in variables and fed else behind or [name], value)
    return taken


def values_refused(failed: ImportFailed, repo: Repository, generated: dict[str, str], path: Path | None) -> dict[str, str]:
    """Variable -> a value it takes, from each reader of what the failure says of a value refused, made up or left
    unset (later readers win): the words alone, the failing statement, the failing file, the repository's folders."""
    statement = failed.failure.own_statement(repo.root) if failed.failure else ""
    variables = [*generated, *(f.variable for f in setting_fields(repo.settings))]  # made up, or left unset
    source = path.read_text(errors="replace") if path and path.is_file() else ""
    folders = (p.name for p in repo.root.iterdir() if p.is_dir())
    readers = (
        failed.refused_values,
        refused_made_up(failed.words, generated),
        redis_by_use(failed.words, statement, variables),
        compared_with(failed.words, generated, source),
        modes_left_none(failed.words, repo.settings, source),
        folders_made_up(failed.missing_folder, generated, folders),
    )
    return {name: value for found in readers for name, value in found.items()}
