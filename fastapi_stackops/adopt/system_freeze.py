"""A requirements file frozen from a Linux system's Python (`pip freeze` outside a virtual environment): the
distribution's own packages it lists, which no index has at those versions and the app never imports."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi_stackops.adopt.source import imported_names

#: A Linux distribution's own Python packages, which a requirements file frozen from its system Python lists (an Ubuntu
#: freeze), with the module each is imported as: not on the index at those versions, or built only against its libraries.
SYSTEMS_OWN = {
    "python-apt": "apt",
    "dbus-python": "dbus",
    "pygobject": "gi",
    "distro-info": "distro_info",
    "systemd-python": "systemd",
    "unattended-upgrades": "unattended_upgrades",
    "ubuntu-advantage-tools": "uaclient",
    "ubuntu-pro-client": "uaclient",
    "command-not-found": "CommandNotFound",
    "ufw": "ufw",
    "cloud-init": "cloudinit",
    "language-selector": "LanguageSelector",
    "ubuntu-drivers-common": "UbuntuDrivers",
    # Ubuntu's desktop tools (ronynor1/FastAPI-MarketPlace's freeze: pip found no apturl at all)
    "apturl": "AptUrl",
    "brlapi": "brlapi",
    "cupshelpers": "cupshelpers",
    "louis": "louis",
    "xkit": "xkit",
    "usb-creator": "usbcreator",
    "screen-resolution-extra": "ScreenResolution",
    "xdiagnose": "xdiagnose",
}
#: A distribution's version label (`1.1+ubuntu0.2`, `2.4.0+deb12u1`): no index has it.
DISTRIBUTION_LABEL = re.compile(r"\+(ubuntu|deb|dfsg)", re.I)


def distributions_own(root: Path, pins: dict[str, str]) -> list[str]:
    """Those of the pins (name -> range) that are the distribution's own packages and that the code never imports,
    as name==version."""
    own = {name: spec for name, spec in pins.items() if spec.startswith("==")}
    own = {name: spec for name, spec in own.items() if name in SYSTEMS_OWN or DISTRIBUTION_LABEL.search(spec)}
    imported = imported_names(root) if own else set()
    return [f"{name}{spec}" for name, spec in own.items() if SYSTEMS_OWN.get(name, name.replace("-", "_")) not in imported]
