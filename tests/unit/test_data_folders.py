"""data_folders: the folders the app writes its data in, on the stack's volume."""

import pytest

from fastapi_stackops.adopt.app_environment import app_environment
from fastapi_stackops.adopt.image import dockerfile_text
from fastapi_stackops.adopt.reading import read_repository
from fastapi_stackops.adopt.stackfiles import compose_text
from tests.unit.shapes import APP
from tests.utils import written


@pytest.mark.parametrize(
    ("fields", "folders"),
    [
        # iagentshub/backend_fastapi: its data folder defaults to one beside the checkout, made at import
        ('GAIA_DATA_DIR: str = str(Path(__file__).parents[2] / "data")\n', {"GAIA_DATA_DIR": "/var/lib/app"}),
        (
            'UPLOAD_DIR: str = "/var/uploads"\nMEDIA_ROOT: str = "media"\n',
            {"UPLOAD_DIR": "/var/lib/app/upload", "MEDIA_ROOT": "/var/lib/app/media"},
        ),
        ('DATA_DIR: str = "seed"\n', {}),  # a folder the repository ships: its own data, left where it is
        ('REPORT_FILE_PATH: str = "/tmp/r.csv"\nDATA_PATH: str = "/var/x.json"\n', {}),  # a path alone may name a file
        ('STORAGE_DIR: str = "s3://bucket/x"\nFILES_DIR_ENABLED: bool = True\n', {}),
        # pkrecz/fastapi-hotel: `Path(BASE_DIR, str(os.getenv("LOG_FILES")))`, unset: each request's log went to
        # /srv/None/, and the app failed every answer.
        ('LOG_FILES: str\nLOG_PATH: str = "/var/log/app.log"\n', {"LOG_FILES": "/var/lib/app"}),
        # eddgachi/flux-chat-fastapi-backend: backups made at import under /app, its own image's folder, which this
        # image lacks; its suite failed at collection on PermissionError
        (
            'BACKUP_ROOT: str = "/app/backups"\nMEDIA_ROOT: str = "/app/media"\n',
            {"BACKUP_ROOT": "/var/lib/app/backup", "MEDIA_ROOT": "/var/lib/app/media"},
        ),
    ],
)
def test_a_data_folder_the_app_makes_at_run_time_is_on_its_volume(tmp_path, fields, folders):
    config = "from pathlib import Path\nfrom pydantic_settings import BaseSettings\n\nclass S(BaseSettings):\n"
    config += "".join(f"    {line}\n" for line in fields.splitlines())
    files = {"requirements.txt": "fastapi\npydantic-settings\n", "main.py": APP, "config.py": config, "seed/x.json": "{}"}
    repo = read_repository(written(tmp_path, files))
    environment = app_environment(repo)
    assert {name: environment[name] for name in repo.data_variables} == {k: f"${{{k}-{v}}}" for k, v in folders.items()}
    compose, dockerfile = compose_text(repo, "Dockerfile"), dockerfile_text(repo, "/", repo.keeps_data)
    assert ("      - app-data:/var/lib/app\n" in compose) == bool(folders)
    made = f"mkdir -p {' '.join(dict.fromkeys(['/var/lib/app', *folders.values()]))} && chown -R 10001:10001 /var/lib/app"
    assert (made in dockerfile) == bool(folders), dockerfile


@pytest.mark.parametrize(
    ("files", "writable"),
    [
        # DiogoRibeiro7/fastapi-ml-platform: artifacts/ committed with a .gitkeep, where it trains its model at startup
        ({"artifacts/.gitkeep": ""}, ["/srv/artifacts"]),
        ({"var/uploads/.gitignore": "*\n!.gitignore\n", "logs/.keep": ""}, ["/srv/logs", "/srv/var/uploads"]),
        ({"data/.gitkeep": "", "data/seed.json": "{}"}, []),  # data it ships: not empty
        ({"migrations/versions/.gitkeep": "", "tests/fixtures/.gitkeep": "", ".github/x/.gitkeep": ""}, []),
        ({"a/b/c/.gitkeep": ""}, []),  # too deep to be the app's own
        # the SQLite file's folder: a tmpfs would hide its link to the volume, and the records with it
        (
            {
                "db/.gitkeep": "",
                "database.py": 'from sqlalchemy import create_engine\ne = create_engine("sqlite:///./db/a.db")\n',
            },
            [],
        ),
    ],
)
def test_a_folder_committed_empty_but_for_a_placeholder_is_writable(tmp_path, files, writable):
    repo = read_repository(written(tmp_path, {"requirements.txt": "fastapi\nsqlalchemy\n", "main.py": APP, **files}))
    assert list(repo.writable) == writable
    tmpfs = ", ".join(f'"{path}:uid=10001,gid=10001"' for path in writable)
    assert (f"tmpfs: [/tmp, {tmpfs}]" in compose_text(repo)) == bool(writable)


@pytest.mark.parametrize(
    ("code", "writable"),
    [
        # kongnakornna/fastapicleanarchitectureddd: `Path("secrets/keys").mkdir(parents=True)` as it starts, after its
        # database answers (init's trial start never got so far); the read-only root refused it in ci.
        (
            "from pathlib import Path\n\ndef keys():\n    Path('secrets/keys').mkdir(parents=True, exist_ok=True)\n",
            ["/srv/secrets"],
        ),
        ("from pathlib import Path\n\ndef keys():\n    d = Path('secrets/keys')\n    d.mkdir(parents=True)\n", ["/srv/secrets"]),
        ("import os\n\nUPLOADS = 'media/uploads'\nos.makedirs(UPLOADS, exist_ok=True)\n", ["/srv/media"]),
        ("import os\nfrom pathlib import Path\n\nD = Path(__file__).parent / 'out'\nD.mkdir()\n", ["/srv/out"]),
        ("import os\n\nos.makedirs('/var/data/x', exist_ok=True)\n", []),  # outside its folder: not one of its own
        ("import os\n\nos.makedirs('static', exist_ok=True)\n", []),  # a folder the repository holds
        ("import os\n\nos.makedirs('static/thumbs', exist_ok=True)\n", ["/srv/static/thumbs"]),  # one it lacks in it
        ("import os\n\nos.makedirs(os.environ['OUT'], exist_ok=True)\n", []),  # read: the setting's own folder
    ],
)
def test_a_folder_the_code_makes_under_its_own_folder_is_writable(tmp_path, code, writable):
    files = {"requirements.txt": "fastapi\n", "main.py": APP, "work.py": code, "static/site.css": ""}
    assert list(read_repository(written(tmp_path, files)).writable) == writable


def test_a_folder_named_with_a_backslash_is_a_tmpfs_compose_can_read(tmp_path):
    # ducthien1021/FastAPI-Recruitment-Project: `UPLOAD_DIR = "uploads\cv"`, written on Windows, made as it runs; the
    # tmpfs line init wrote held the backslash bare in YAML's double quotes: "found unknown escape character".
    code = "import os\n\nUPLOAD_DIR = 'uploads\\\\cv'\nos.makedirs(UPLOAD_DIR, exist_ok=True)\n"
    files = {"requirements.txt": "fastapi\n", "main.py": APP, "work.py": code}
    compose = compose_text(read_repository(written(tmp_path, files)), "Dockerfile")
    assert 'tmpfs: [/tmp, "/srv/uploads\\\\cv:uid=10001,gid=10001"]' in compose
