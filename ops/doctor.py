"""`inv doctor`: what this machine has and lacks for the stack, each problem with its fix."""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from ops import StackError
from ops.baseimages import current_substitute, mirror_for, needed_base_images
from ops.compose import require_compose_v2
from ops.engine import connect, engine_version, image_exists, port_is_free, published_port
from ops.settings import StackSettings, load_settings

PROVISION = "bash scripts/provision-engine.sh"


@dataclass(frozen=True)
class Finding:
    check: str
    ok: bool
    detail: str
    fix: str = ""


def extra_system_cas() -> int:
    """How many CAs the system trusts that pip's own bundle (certifi) does not: a proxy's, typically."""
    import certifi

    system = Path("/etc/ssl/certs/ca-certificates.crt")
    if not system.is_file():
        return 0
    blocks = lambda text: set(re.findall(r"-----BEGIN CERTIFICATE-----.*?-----END CERTIFICATE-----", text, re.S))  # noqa: E731
    return len(blocks(system.read_text(errors="replace")) - blocks(Path(certifi.where()).read_text()))


def diagnose(env: str | None) -> list[Finding]:
    findings = []
    try:
        settings: StackSettings | None = load_settings(env)
        findings.append(Finding("env files", True, ", ".join(str(p.name) for p in settings.files)))
    except StackError as error:
        settings = None
        findings.append(Finding("env files", False, str(error), "fix the line it names"))

    client = None
    try:
        client = connect(timeout=10)
        version, api = engine_version(client)
        findings.append(Finding("engine", True, f"Docker {version}, API {api}"))
        major = int(version.split(".")[0]) if version.split(".")[0].isdigit() else 0
        findings.append(
            Finding(
                "BuildKit",
                major >= 19,
                f"engine {version}: Compose builds with the engine's BuildKit (RUN --mount, secrets)",
                "" if major >= 19 else "upgrade the engine to 19.03 or newer",
            )
        )
    except StackError as error:
        findings.append(Finding("engine", False, str(error).split(";")[0], PROVISION))

    try:
        findings.append(Finding("Compose v2", True, f"docker compose {require_compose_v2()}"))
    except StackError as error:
        problem, _, fix = str(error).partition("; ")
        findings.append(Finding("Compose v2", False, problem, fix or PROVISION))

    if settings and client:
        for image in needed_base_images(settings):
            if settings.base_images != "local" and image_exists(client, image.official):
                findings.append(Finding(f"base image {image.recipe}", True, f"{image.official} present"))
            elif settings.base_images != "registry" and current_substitute(image, client) is not None:
                findings.append(Finding(f"base image {image.recipe}", True, f"local substitute {image.local} present"))
            else:
                # Missing, or built from an older recipe: either way inv up builds it.
                mirror = mirror_for(settings)
                buildable = bool(shutil.which("mmdebstrap") and mirror)
                findings.append(
                    Finding(
                        f"base image {image.recipe}",
                        buildable or settings.base_images == "registry",
                        f"not present; {'buildable from ' + mirror if buildable else 'pull only'} ({settings.base_images})",
                        "" if buildable else "apt-get install mmdebstrap, or set DEBIAN_MIRROR, or BASE_IMAGES=registry",
                    )
                )

    if settings:
        extra = extra_system_cas()
        if settings.ca_bundle:
            findings.append(Finding("build CA", True, f"builds trust {settings.ca_bundle}"))
        else:
            findings.append(
                Finding(
                    "build CA",
                    extra == 0,
                    f"{extra} CAs trusted by this system but not by pip" if extra else "pip's own CAs suffice",
                    "" if extra == 0 else f"set BUILD_CA_BUNDLE=system in {settings.env_file} (a TLS-intercepting proxy?)",
                )
            )
        if settings.api_port:
            ours = client and published_port(client, settings.project)
            free = bool(ours and ours[1] == settings.api_port) or port_is_free(settings.api_bind, settings.api_port)
            findings.append(
                Finding(
                    "API port",
                    free,
                    f"{settings.api_bind}:{settings.api_port} {'free' if free else 'in use'}",
                    "" if free else f"set API_PORT in {settings.where('API_PORT')} to a free port, or 0",
                )
            )
        else:
            findings.append(Finding("API port", True, "0: the engine chooses"))
    return findings
