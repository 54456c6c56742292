"""Key files the app opens that the repository does not hold (`certs/jwt-private.pem`, git-ignored, made by hand with
openssl as its README says): a throwaway pair, of the kind the code signs with, that a one-shot service makes once into a
volume of its own, which the app, its worker and its tests mount read-only. Never in the image a deploy ships. Pure:
tested as a table."""

from __future__ import annotations

import os
import re
from pathlib import Path

from fastapi_stackops.adopt.conventions import CODE_DIR, UID, in_the_image
from fastapi_stackops.adopt.failure_advice import MISSING_FILE

KEYS_SERVICE = "keys"
KEYS_VOLUME = "app-keys"
#: Where the one-shot service sees the volume.
MADE_IN = "/keys"
#: A key's file, by its name: a PEM that says it holds a key (jwt-private.pem, private_key.pem, key.pem), not a
#: certificate (cert.pem, ca.pem), which no generated key could stand in for.
KEY_NAME = re.compile(r"^[\w.-]*(private|public|key)[\w.-]*\.pem$", re.I)
#: The kind of key a signing algorithm the code names takes (JWT's names), and openssl's options for it; RSA for the rest.
KINDS = {
    "EdDSA": ("Ed25519", "-algorithm ED25519"),
    "Ed25519": ("Ed25519", "-algorithm ED25519"),
    "ES256": ("EC P-256", "-algorithm EC -pkeyopt ec_paramgen_curve:P-256"),
    "ES384": ("EC P-384", "-algorithm EC -pkeyopt ec_paramgen_curve:P-384"),
    "ES512": ("EC P-521", "-algorithm EC -pkeyopt ec_paramgen_curve:P-521"),
}
RSA = ("RSA", "-algorithm RSA -pkeyopt rsa_keygen_bits:2048")
HALVES = {"private": "public", "Private": "Public", "PRIVATE": "PUBLIC"}


def is_key(path: str) -> bool:
    return bool(KEY_NAME.match(os.path.basename(path)))


def other_half(name: str) -> str:
    """The name of the pair's other half (jwt-private.pem -> jwt-public.pem), "" for a name that says neither."""
    halves = HALVES | {public: private for private, public in HALVES.items()}
    found = re.search("|".join(halves), name)
    return name[: found.start()] + halves[found.group()] + name[found.end() :] if found else ""


def pairs(paths: tuple[str, ...]) -> list[tuple[str, str]]:
    """(private key, its public half or "") for the key files named, each pair once: a public key stands for its
    private one, which the pair is made from."""
    made: dict[str, str] = {}
    for path in paths:
        name = os.path.basename(path)
        private = other_half(name) if "public" in name.lower() else name
        made[private] = other_half(private) if "private" in private.lower() else ""
    return list(made.items())


def folders(paths: tuple[str, ...]) -> list[str]:
    """The folders the volume is mounted at in the app's containers: each folder a key is opened from."""
    return sorted({os.path.dirname(path) for path in paths})


def key_kind(strings: set[str]) -> tuple[str, str]:
    """(the kind, openssl's options) of the key the code signs with, by the algorithm it names (`algorithm = "EdDSA"`)."""
    return next((kind for name, kind in KINDS.items() if name in strings), RSA)


def making(private: str, public: str, options: str = RSA[1]) -> str:
    """The shell that makes one pair whole, unless both halves are there: under a temporary name, which becomes the
    private key's last, so that a start interrupted halfway leaves no half a pair the next start would keep (it clears what
    one left). Its user alone reads the private key; root, with no capability to read it after, is done with it by then."""
    there = f"[ -s {private} ] && [ -s {public} ]" if public else f"[ -s {private} ]"
    made = f"rm -f {private}.new {public} && openssl genpkey {options} -out {private}.new 2>/dev/null"
    made += f" && openssl pkey -in {private}.new -pubout -out {public}" if public else ""
    owned = f"chmod 600 {private}.new && chown {UID}:{UID} {private}.new{' ' + public if public else ''}"
    return f"{{ {there} || {{ {made} && {owned} && mv {private}.new {private}; }}; }}"


def keys_block(paths: tuple[str, ...], image: str, kind: tuple[str, str] = RSA) -> str:
    """The one-shot service that makes the pairs, on the base image (which has openssl), for the app's user."""
    script = f"set -e; cd {MADE_IN}; " + " && ".join(making(private, public, kind[1]) for private, public in pairs(paths))
    return f"""  {KEYS_SERVICE}:
    # The app opens {shown(paths)}, which the repository does not hold: a throwaway {kind[0]} pair,
    # made once in the volume {KEYS_VOLUME}, never in the image. Production: put your own pair there first.
    image: {image}
    entrypoint: ["sh", "-c", "{script}"]
    user: "0"
    volumes:
      - {KEYS_VOLUME}:{MADE_IN}
    cap_drop: [ALL]
    cap_add: [CHOWN]
    security_opt: ["no-new-privileges:true"]
    network_mode: none
    restart: "no"
"""


def key_mounts(paths: tuple[str, ...]) -> list[str]:
    """The app's mounts of the volume, read-only, at each folder a key is opened from."""
    return [f"{KEYS_VOLUME}:{folder}:ro" for folder in folders(paths)]


#: What a folder of keys may hold beside them, and still be hidden by the volume.
BESIDE_KEYS = re.compile(r"^(.*\.pem|\.git\w*|readme.*)$", re.I)


def holds_only_keys(root: Path, folder: str) -> bool:
    """Whether the volume may stand in for the folder: the repository holds nothing else there (its code above all)."""
    if folder == CODE_DIR or not folder.startswith(f"{CODE_DIR}/"):
        return False
    there = root / folder.removeprefix(f"{CODE_DIR}/")
    return not there.is_dir() or all(p.is_file() and BESIDE_KEYS.match(p.name) for p in there.iterdir())


def missing_keys(words: str, root: Path) -> tuple[str, ...]:
    """The key files an import failure says the image lacks, where the image would have them, each with its pair's
    other half; () for a missing file that is no key (a data file stays the app's to commit), or in a folder that
    holds more than keys."""
    named = [in_the_image(found) for found in MISSING_FILE.findall(words)]
    return keys_among(named, root)


def keys_among(paths: list[str], root: Path) -> tuple[str, ...]:
    """The paths that are key files a volume may hold (see missing_keys), each with its pair's other half."""
    keys = [path for path in paths if is_key(path) and holds_only_keys(root, os.path.dirname(path))]
    halves = [
        f"{os.path.dirname(path)}/{other_half(os.path.basename(path))}" for path in keys if other_half(os.path.basename(path))
    ]
    return tuple(dict.fromkeys(sorted(keys + halves)))


def shown(paths: tuple[str, ...]) -> str:
    """The key files as the repository names them: relative to its folder."""
    return ", ".join(path.removeprefix(f"{CODE_DIR}/") for path in paths)


def said(paths: tuple[str, ...]) -> str:
    """What init says of them."""
    return (
        f"{shown(paths)}: the app opens them and the repository does not hold them; a throwaway pair, made once in the "
        f"volume {KEYS_VOLUME} by the one-shot service {KEYS_SERVICE}, never in the image"
    )
