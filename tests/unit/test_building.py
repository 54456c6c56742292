"""building.py: a BuildKit plain log said in one line per step, and a failure in one line."""

import pytest

from fastapi_stackops.building import failure_summary, step_line

PIP_FAILED = """#1 [web internal] load build definition from Dockerfile
#1 DONE 0.0s
#8 [web builder 4/7] COPY pyproject.toml ./
#8 DONE 0.1s
#9 [web builder 5/7] RUN --mount=type=secret,id=ca_bundle     pip install -q -r /tmp/requirements.txt
#9 16.40   error: subprocess-exited-with-error
#9 16.46       error: [Errno 2] No such file or directory: 'x86_64-linux-gnu-gcc'
#9 16.46   note: This error originates from a subprocess, and is likely not a problem with pip.
#9 16.46   ERROR: Failed building wheel for asyncpg
#9 16.46 ERROR: Failed to build installable wheels for some pyproject.toml based projects (asyncpg)
#9 ERROR: executor failed running [/bin/sh -c pip install -q -r /tmp/requirements.txt]: exit code: 1
------
 > [web builder 5/7] RUN --mount=type=secret,id=ca_bundle     pip install -q -r /tmp/requirements.txt:
------
time="2026-12-02T05:19:15Z" level=warning msg="Docker Compose is configured to build using Bake, but buildx isn't installed"
failed to solve: executor failed running [/bin/sh -c pip install -q -r /tmp/requirements.txt]: exit code: 1
""".splitlines()


@pytest.mark.parametrize(
    ("lines", "said"),
    [
        (
            PIP_FAILED,
            "the build failed at [web builder 5/7]: the dependency asyncpg failed to build from source (its build's words, "
            "not the repository's code): error: [Errno 2] No such file or directory: 'x86_64-linux-gnu-gcc' / "
            "ERROR: Failed building wheel for asyncpg / "
            "ERROR: Failed to build installable wheels for some pyproject.toml based projects (asyncpg)",
        ),
        (  # pavuchara/fastapi_app: asyncpg and httptools failed for 3.13; init named asyncpg beside httptools' words
            [
                "#9 [web builder 5/7] RUN pip install -q -r /tmp/requirements.txt",
                "#9 22.7   ERROR: Failed building wheel for asyncpg",
                "#9 23.2       httptools/parser/parser.c:9938:27: error: too few arguments to function",
                "#9 23.2   ERROR: Failed building wheel for httptools",
                "#9 ERROR: executor failed running [/bin/sh -c pip install -q -r /tmp/requirements.txt]: exit code: 1",
            ],
            "the build failed at [web builder 5/7]: the dependency httptools failed to build from source (its build's "
            "words, not the repository's code): ERROR: Failed building wheel for asyncpg / httptools/parser/parser.c:9938:27: "
            "error: too few arguments to function / ERROR: Failed building wheel for httptools",
        ),
        (
            [
                "#12 [api runtime 3/6] RUN python -c 'import fastapi'",
                "#12 0.51 stackops: installed without fastapi for Python 3.11.2: no dependency names it, or the pins' markers exclude this Python",
                "#12 ERROR: executor failed running [/bin/sh -c python -c 'import fastapi']: exit code: 1",
            ],
            "the build failed at [api runtime 3/6]: "
            "stackops: installed without fastapi for Python 3.11.2: no dependency names it, or the pins' markers exclude this Python",
        ),
        (  # max-belichenko/fastapi-event-notifications: uvicorn==0.14.0, whose metadata pip 26 refuses; the line ended
            # on pip's list of every uvicorn release
            [
                "#13 [web builder 6/8] RUN pip install -r requirements.txt",
                "#13 3.571 WARNING: Ignoring version 0.14.0 of uvicorn since it has invalid metadata:",
                "#13 3.571 Requested uvicorn==0.14.0 from https://files.example/uvicorn-0.14.0-py3-none-any.whl (from -r "
                "requirements.txt (line 21)) has invalid metadata: .* suffix can only be used with `==` or `!=` operators",
                "#13 3.577 ERROR: Could not find a version that satisfies the requirement uvicorn==0.14.0 (from versions: 0.0.1)",
                "#13 3.577 ERROR: No matching distribution found for uvicorn==0.14.0",
                "#13 ERROR: executor failed running [/bin/sh -c pip install -r requirements.txt]: exit code: 1",
            ],
            "the build failed at [web builder 6/8]: pip refuses uvicorn==0.14.0 for metadata that is not PEP 440 "
            "(.* suffix can only be used with `==` or `!=` operators); pin a later release of it",
        ),
        (  # StanislavBeskaev/Chat-FastAPI-React: greenlet 1.1.2, pinned for 3.10, compiled against 3.11's headers
            [
                "#10 [web builder 6/8] RUN pip install -r /tmp/requirements.txt",
                "#10 25.1   Running setup.py install for greenlet: started",
                "#10 30.05       src/greenlet/greenlet.c:857:18: error: incompatible types when assigning to type 'int'",
                "#10 30.05   error: legacy-install-failure",
                "#10 30.05 × Encountered error while trying to install package.",
                "#10 30.05 ╰─> greenlet",
                "#10 ERROR: executor failed running [/bin/sh -c pip install -r /tmp/requirements.txt]: exit code: 1",
            ],
            "the build failed at [web builder 6/8]: the dependency greenlet failed to build from source (its build's "
            "words, not the repository's code): src/greenlet/greenlet.c:857:18: error: incompatible types when "
            "assigning to type 'int' / error: legacy-install-failure / × Encountered error while trying to install package.",
        ),
        (  # lines14/fastapi_template: a requirement fetched from a host that does not answer; pip names the URL last
            [
                "#12 [web builder 6/8] RUN pip install -q -r requirements.txt",
                "#12 1.36   WARNING: Retrying (Retry(total=4)) after connection broken by 'NameResolutionError(...)'",
                "#12 8.87 error: connection-failed",
                "#12 8.87 ",
                "#12 8.87 × Failed to connect to example.org while fetching https://example.org/lib/archive/main.zip",
                "#12 ERROR: executor failed running [/bin/sh -c pip install -q -r requirements.txt]: exit code: 1",
            ],
            "the build failed at [web builder 6/8]: error: connection-failed / "
            "× Failed to connect to example.org while fetching https://example.org/lib/archive/main.zip",
        ),
        (  # Anaghjaiswar/fastapi-chat-project: pip's list of releases for other Pythons, hundreds of characters long,
            # hid the requirement it could not meet behind a cut-off line
            [
                "#13 [web builder 6/8] RUN pip install -q --no-cache-dir -r requirements.txt",
                "#13 16.93 ERROR: Ignored the following versions that require a different python version: 1.21.2 Requires-Python >=3.7,<3.11"
                + "; 1.21.3 Requires-Python >=3.7,<3.11" * 40,
                "#13 16.93 ERROR: Could not find a version that satisfies the requirement pywin32>=301 (from pybag) (from versions: none)",
                "#13 16.94 ERROR: No matching distribution found for pywin32>=301 (from pybag)",
                "#13 ERROR: executor failed running [/bin/sh -c pip install -q --no-cache-dir -r requirements.txt]: exit code: 1",
            ],
            "the build failed at [web builder 6/8]: ERROR: Could not find a version that satisfies the requirement "
            "pywin32>=301 (from pybag) (from versions: none) / ERROR: No matching distribution found for pywin32>=301 (from pybag)",
        ),
        (  # Rojas-Andres/fastapi-ddd: pycurl under celery[sqs], with no wheel for 3.11, wants libcurl's curl-config
            [
                "#10 [web builder 6/8] RUN pip install -q --no-cache-dir -r requirements.txt",
                "#10 9.1   FileNotFoundError: [Errno 2] No such file or directory: 'curl-config'",
                "#10 9.2 ERROR: Failed to build 'pycurl' when getting requirements to build wheel",
                "#10 ERROR: executor failed running [/bin/sh -c pip install -q --no-cache-dir -r requirements.txt]: exit code: 1",
            ],
            "the build failed at [web builder 6/8]: the dependency pycurl failed to build from source (its build's "
            "words, not the repository's code): FileNotFoundError: [Errno 2] No such file or directory: 'curl-config' / "
            "ERROR: Failed to build 'pycurl' when getting requirements to build wheel",
        ),
        (  # ceydaduzgec/fastapi-scraper: pins that conflict, which uv's error line alone never named
            [
                "#12 [web builder 6/8] RUN uv pip install -r app/requirements.txt",
                "#12 11.41 error: No solution found when resolving dependencies",
                "#12 11.41   cause: Because fastapi==0.77.0 depends on starlette==0.19.0 and you require fastapi==0.77.0, we "
                "can conclude that you require starlette==0.19.0.",
                "#12 11.41          And because you require starlette==0.40.0, we can conclude that your requirements are "
                "unsatisfiable.",
                "#12 ERROR: executor failed running [/bin/sh -c uv pip install -r app/requirements.txt]: exit code: 1",
            ],
            "the build failed at [web builder 6/8]: error: No solution found when resolving dependencies / cause: Because "
            "fastapi==0.77.0 depends on starlette==0.19.0 and you require fastapi==0.77.0, we can conclude that you require "
            "starlette==0.19.0. / And because you require starlette==0.40.0, we can conclude that your requirements are "
            "unsatisfiable.",
        ),
        (  # yevgenybulochnik/fastapi-tracker: poetry's error line, not its deprecation warning before it
            [
                "#17 [web builder 6/8] RUN poetry export --only main -o /tmp/requirements.txt",
                '#17 33.25 The "poetry.dev-dependencies" section is deprecated and will be removed in a future version.',
                "#17 33.47 Invalid python versions '>=3.*.*' on python-pydebug (0.6)",
                "#17 ERROR: executor failed running [/bin/sh -c poetry export]: exit code: 1",
            ],
            "the build failed at [web builder 6/8]: Invalid python versions '>=3.*.*' on python-pydebug (0.6)",
        ),
        (  # a step with no telling line: its last lines
            [
                "#5 [web 2/3] RUN ./setup.sh",
                "#5 0.2 step one",
                "#5 0.3 gave up",
                "#5 ERROR: executor failed running: exit code: 3",
            ],
            "the build failed at [web 2/3]: step one / gave up",
        ),
        (  # no step failed: Compose's own words, without its warnings
            [
                'time="x" level=warning msg="the attribute `version` is obsolete"',
                "unable to prepare context: path ./nope not found",
            ],
            "the build failed: unable to prepare context: path ./nope not found",
        ),
    ],
)
def test_a_failed_build_in_one_line(lines, said):
    assert failure_summary(lines) == said


@pytest.mark.parametrize(
    ("line", "said"),
    [
        (
            "#9 [web builder 5/7] RUN --mount=type=secret,id=ca_bundle     pip   install -q",
            "[web builder 5/7] RUN --mount=type=secret,id=ca_bundle pip install -q",
        ),
        ("#1 [web internal] load build definition from Dockerfile", ""),
        ("#9 16.46 ERROR: Failed building wheel for asyncpg", ""),
        ("#9 [web builder 5/7] RUN " + "x" * 200, "[web builder 5/7] RUN " + "x" * 85 + "..."),
    ],
)
def test_a_step_in_one_line(line, said):
    assert step_line(line) == said
