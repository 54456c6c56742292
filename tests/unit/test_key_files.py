"""fastapi_stackops/adopt/key_files.py: the key pair an app opens and its repository does not hold."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from fastapi_stackops.adopt.key_files import keys_block, missing_keys, pairs
from fastapi_stackops.adopt.reading import read_repository
from fastapi_stackops.adopt.routes import ImportFailed
from fastapi_stackops.adopt.stackfiles import compose_text
from tests.utils import written

APP = "from fastapi import FastAPI\n\napp = FastAPI()\n"
MISSING = "FileNotFoundError: [Errno 2] No such file or directory: '{}'"


@pytest.mark.parametrize(
    ("missing", "committed", "keys"),
    [
        # dima-doroshenko/fastapi-jwt-auth-example: the public half committed, the private one git-ignored; a pair is
        # made, both halves, as a public key must match its private one.
        (
            "/srv/certs/jwt-private.pem",
            {"certs/jwt-public.pem": "old"},
            ("/srv/certs/jwt-private.pem", "/srv/certs/jwt-public.pem"),
        ),
        # likeThatDude/FastAPI-JWT-auth-async-version: the public half read first, the folder git-ignored.
        ("/srv/certs/jwt-public.pem", {}, ("/srv/certs/jwt-private.pem", "/srv/certs/jwt-public.pem")),
        # GIT01-byte/Fastapi-jwt_auth-pet: a folder of keys among the code's folders.
        (
            "/srv/auth/core/security_keys/private_key.pem",
            {"auth/core/settings.py": ""},
            ("/srv/auth/core/security_keys/private_key.pem", "/srv/auth/core/security_keys/public_key.pem"),
        ),
        ("/srv/tls/key.pem", {}, ("/srv/tls/key.pem",)),  # a key with no pair named
        ("/srv/certs/ca.pem", {}, ()),  # a certificate: no key made could stand in for it
        ("/srv/data/users.csv", {}, ()),  # a data file is the app's to commit
        ("/srv/key.pem", {}, ()),  # beside the code: a volume there would hide it
        ("/srv/core/private.pem", {"core/config.py": ""}, ()),  # in a folder of the code: the same
        ("/etc/ssl/private/key.pem", {}, ()),  # outside the code: the system's
    ],
)
def test_a_missing_key_file_is_made_as_a_pair_in_a_folder_that_holds_only_keys(tmp_path: Path, missing, committed, keys):
    root = written(tmp_path, {"main.py": APP, **committed})
    assert missing_keys(MISSING.format(missing), root) == keys


def test_the_pair_is_made_once_from_its_private_half_and_the_private_key_is_the_apps_alone():
    keys = ("/srv/certs/jwt-private.pem", "/srv/certs/jwt-public.pem")
    assert pairs(keys) == [("jwt-private.pem", "jwt-public.pem")]
    block = keys_block(keys, "python:3.12-slim")
    # Made once, whole: a restart keeps the tokens it signed, and a half a pair left by an interrupted start is made again.
    assert "{ [ -s jwt-private.pem ] && [ -s jwt-public.pem ] || { rm -f jwt-private.pem.new jwt-public.pem && " in block
    assert "openssl pkey -in jwt-private.pem.new -pubout -out jwt-public.pem" in block
    # The private key is its user's alone, and takes its name last.
    assert (
        "chmod 600 jwt-private.pem.new && chown 10001:10001 jwt-private.pem.new jwt-public.pem && mv jwt-private.pem.new" in block
    )


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        ('ALGORITHM = "RS256"\n', "-algorithm RSA -pkeyopt rsa_keygen_bits:2048"),
        # GIT01-byte/Fastapi-jwt_auth-pet: `algorithm: str = "EdDSA"`, its keys made by a script of its own as Ed25519.
        ('class JwtAuth:\n    algorithm: str = "EdDSA"\n', "-algorithm ED25519"),
        ('jwt.encode(payload, key, algorithm="ES256")\n', "-algorithm EC -pkeyopt ec_paramgen_curve:P-256"),
        ("", "-algorithm RSA -pkeyopt rsa_keygen_bits:2048"),  # named nowhere: RSA, as RS256 is the common choice
    ],
)
def test_the_pair_is_of_the_kind_the_code_signs_with(tmp_path: Path, code, kind):
    files = {"requirements.txt": "fastapi\npyjwt[crypto]\n", "main.py": APP, "auth.py": code}
    repo = replace(read_repository(written(tmp_path, files)), keys=("/srv/certs/private.pem", "/srv/certs/public.pem"))
    assert f"openssl genpkey {kind} -out private.pem.new" in compose_text(repo)


def test_an_import_failure_on_a_key_file_gives_the_app_its_servers_tests_and_worker_a_pair_from_a_one_shot(tmp_path: Path):
    from fastapi_stackops.adopt.first_start import learned
    from fastapi_stackops.adopt.init import setup_for

    files = {
        "requirements.txt": "fastapi\npyjwt[crypto]\npytest\nhttpx\n",
        "main.py": APP,
        "tests/test_main.py": "def test_main():\n    pass\n",
    }
    setup = setup_for(read_repository(written(tmp_path, files)), system_ca=False)
    setup, _ = learned(setup, ImportFailed(setup.repo, MISSING.format("/srv/certs/jwt-private.pem")), False)
    assert setup.repo.keys == ("/srv/certs/jwt-private.pem", "/srv/certs/jwt-public.pem")
    assert "a throwaway pair" in setup.repo.findings[-1].value
    compose = compose_text(setup.repo)
    assert compose.count("      - app-keys:/srv/certs:ro\n") == 2  # the server and the tests
    assert compose.count("      keys:\n        condition: service_completed_successfully\n") == 2
    assert "  keys:\n" in compose and "volumes:\n  app-keys:\n" in compose
