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


def test_two_tasks_needing_the_same_substitute_build_it_once(monkeypatch, tmp_path):
    """The second waits on the first's lock, then finds the image current and builds nothing."""
    import threading
    import time

    from fastapi_stackops import baseimages

    monkeypatch.setattr(baseimages.tempfile, "gettempdir", lambda: str(tmp_path))
    built, present = [], []
    monkeypatch.setattr(baseimages, "current_substitute", lambda image, client: present[0] if present else None)

    def recipe(image, settings, source=""):
        time.sleep(0.5)  # the second task asks meanwhile
        built.append(image.local)
        present.append(object())

    monkeypatch.setattr(baseimages, "_run_recipe", recipe)
    image = next(i for i in baseimages.every_substitute() if i.recipe == "redis")
    tasks = [threading.Thread(target=baseimages._build_substitute, args=(image, None, None)) for _ in range(2)]
    for task in tasks:
        task.start()
        time.sleep(0.1)
    for task in tasks:
        task.join(5)
    assert built == [image.local]


@pytest.mark.parametrize("present", [False, True])
def test_a_runtime_flavour_is_trimmed_from_its_python_substitute_built_first(monkeypatch, tmp_path, present):
    """python-runtime 3.13 names local/python:3.13 as its source; that one is built before it unless current."""
    from fastapi_stackops import baseimages

    monkeypatch.setattr(baseimages.tempfile, "gettempdir", lambda: str(tmp_path))
    built = []
    current = {"local/python:3.13-slim-trixie"} if present else set()
    monkeypatch.setattr(baseimages, "current_substitute", lambda image, client: image.local in current or None)
    monkeypatch.setattr(baseimages, "copied_from_this_machine", lambda image, settings, client: False)

    def recipe(image, settings, source=""):
        built.append((image.local, source))
        current.add(image.local)

    monkeypatch.setattr(baseimages, "_run_recipe", recipe)
    runtime = next(i for i in baseimages.every_substitute() if i.recipe == "python-runtime" and "3.13" in i.local)
    baseimages._build_substitute(runtime, None, None)
    made_first = [] if present else [("local/python:3.13-slim-trixie", "")]
    assert built == [*made_first, ("local/python-runtime:3.13-slim-trixie", "local/python:3.13-slim-trixie")]
