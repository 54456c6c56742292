"""Finding the Debian mirror in apt sources (so no host name is written in the repo)."""

import pytest

from fastapi_stackops.baseimages import debian_mirror

DEB822 = """Types: deb
URIs: http://mirror.example/debian
Suites: bookworm bookworm-updates
Components: main

Types: deb
URIs: http://mirror.example/debian-security
Suites: bookworm-security
Components: main
"""


@pytest.mark.parametrize(
    ("sources", "expected"),
    [
        ({"/etc/apt/sources.list.d/debian.sources": DEB822}, "http://mirror.example/debian"),
        ({"/etc/apt/sources.list": "deb http://m.example/debian bookworm main\n"}, "http://m.example/debian"),
        (
            {"/etc/apt/sources.list": "deb [arch=amd64 signed-by=/k.gpg] http://m.example/debian/ bookworm main\n"},
            "http://m.example/debian/",
        ),
        ({"/etc/apt/sources.list": "deb http://s.example/debian-security bookworm-security main\n"}, None),
        ({"/etc/apt/sources.list": "# deb http://m.example/debian bookworm main\n"}, None),
        ({"/etc/apt/sources.list.d/node.sources": "Types: deb\nURIs: https://n.example/node_20.x\nSuites: nodistro\n"}, None),
        ({}, None),
    ],
)
def test_debian_mirror(sources, expected):
    assert debian_mirror(sources) == expected
