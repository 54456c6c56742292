"""fastapi_stackops/adopt/dotenv_reads.py: settings an app reads from a file itself (python-dotenv's dotenv_values),
which the image writes from the container's environment as it starts."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from dotenv import dotenv_values

from fastapi_stackops.adopt.dotenv_reads import WRITER, dotenv_files, entrypoint_lines
from fastapi_stackops.adopt.environment_reads import environment_settings

# ThiagoKS-7/FastAPI-MVC_with_JWT: `config = dotenv_values(".env")`, `env = dict(config.items())`, `env["JWT_SECRET"]`;
# gustavomotadev/fastapi-sqlite-food-menu: `AMBIENTE = dotenv_values()`, `AMBIENTE["ALGORITMO"]`. A fresh clone has
# no .env: the app stopped at import on KeyError, and init advised --set, which reaches the environment, not the file.
READS = "from dotenv import dotenv_values\n\n"


@pytest.mark.parametrize(
    ("code", "fields"),
    [
        ('config = dotenv_values(".env")\nenv = dict(config.items())\nSECRET = env["JWT_SECRET"]\n', {"JWT_SECRET": None}),
        ('AMBIENTE = dotenv_values()\nALGORITMO = AMBIENTE["ALGORITMO"]\n', {"ALGORITMO": None}),
        ('values = {**dotenv_values(".env")}\nURL = values.get("DB_URL", "sqlite:///x.db")\n', {"DB_URL": "sqlite:///x.db"}),
        ('URL = dotenv_values(".env")["DB_URL"]\n', {"DB_URL": None}),
        ('config = dotenv_values(".env")\nNAME = config.get("APP_NAME")\n', {"APP_NAME": ""}),
        ('config = dotenv_values(".env")\nfirst = config["A"]\nagain = first["B"]\n', {"A": None}),  # a value, no mapping
        ('cache = {}\nNAME = cache["A"]\n', {}),  # any other mapping is no read
        # gustavomotadev/fastapi-sqlite-food-menu: a lambda bound beside it; init stopped on a TypeError of its own
        ('AMBIENTE = dotenv_values()\nfirst = lambda items: items[0]\nKEY = AMBIENTE["KEY"]\n', {"KEY": None}),
    ],
)
def test_a_dotenv_values_mappings_keys_are_variables_the_app_reads(tmp_path, code, fields):
    (tmp_path / "config.py").write_text(READS + code)
    found = environment_settings(tmp_path, [tmp_path / "config.py"])
    assert {f.name: f.default for s in found for f in s.fields} == fields


@pytest.mark.parametrize(
    ("code", "files"),
    [
        ('dotenv_values(".env")', ("/srv/.env",)),
        ("dotenv_values()", ("/srv/.env",)),  # find_dotenv() walks up from the module's folder: the code's top has it
        ("dotenv_values(find_dotenv())", ("/srv/.env",)),
        ('dotenv_values(dotenv_path="config/app.env")', ("/srv/config/app.env",)),
        ('dotenv_values("/etc/app/.env")', ("/etc/app/.env",)),
        ("dotenv_values(os.path.join(BASE, '.env'))", ()),  # a path the code computes: not known
        ('load_dotenv(".env")', ()),  # into the environment: the stack's values are there already
    ],
)
def test_the_files_dotenv_values_reads_are_where_the_image_has_them(tmp_path, code, files):
    (tmp_path / "settings.py").write_text(f"{READS}from dotenv import find_dotenv, load_dotenv\nvalues = {code}\n")
    assert dotenv_files(tmp_path) == (files, "settings.py:4" if files else "")


def test_the_image_links_each_file_into_tmp_and_its_entrypoint_writes_the_environment_there():
    lines = entrypoint_lines(("/srv/.env", "/srv/config/app.env"))
    assert "RUN mkdir -p /srv/config && ln -sf /tmp/.env /srv/.env && ln -sf /tmp/.env /srv/config/app.env\n" in lines
    entry = json.loads(lines.split("ENTRYPOINT ", 1)[1])
    assert entry == ["python", "-c", WRITER] and entrypoint_lines(()) == ""


def test_the_entrypoint_writes_every_value_as_python_dotenv_reads_it_back_and_runs_the_command(tmp_path, monkeypatch):
    values = {"QUOTED": 'it\'s \\ "so"', "EXPANDED": "${HOME} and ${X:-y} and $$", "LINES": "one\ntwo", "EMPTY": ""}
    code = WRITER.replace("/tmp/.env", str(tmp_path / ".env"))
    command = [sys.executable, "-c", "print('ran')"]
    ran = subprocess.run([sys.executable, "-c", code, *command], env=values, capture_output=True, text=True, check=True)
    assert ran.stdout == "ran\n"
    read = dotenv_values(tmp_path / ".env")
    assert {name: read[name] for name in values} == values
