"""Print the stack's figures on this machine: base images, builds, image size, up and down.

    python bench/figures.py [--base-images]

Each figure is one measurement of the real tasks (`inv ...`) on scratch
projects (own env files, engine-chosen ports), cleaned up afterwards.
Ratios are given where the machine's noise matters more than the seconds.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from stackops import PACKAGE_DIR  # noqa: E402
from stackops.baseimages import RECIPES_DIR, SUITE, debian_mirror, read_apt_sources  # noqa: E402
from stackops.engine import connect  # noqa: E402


def timed(*command: str) -> float:
    start = time.monotonic()
    result = subprocess.run(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if result.returncode != 0:
        sys.exit(f"bench: {' '.join(command)} failed:\n{result.stdout[-2000:]}")
    return time.monotonic() - start


def inv(*args: str) -> float:
    return timed(sys.executable, "-m", "invoke", *args)


def scratch_env(folder: Path, base: str) -> str:
    path = folder / f"bench-{base}-{uuid.uuid4().hex[:6]}.env.docker"
    text = (ROOT / "env" / f"{base}.env.docker").read_text()
    path.write_text(text + f"\nCOMPOSE_PROJECT_NAME={path.name.split('.')[0]}\nAPI_PORT=0\nPOSTGRES_PASSWORD=bench\n")
    return str(path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base-images", action="store_true", help="also time building both local base images (~1 min)")
    options = parser.parse_args()
    client = connect()
    rows: list[tuple[str, str]] = []

    rows.append(
        (
            "provisioning check (engine and Compose already there)",
            f"{timed('bash', str(PACKAGE_DIR / 'provision-engine.sh')):.1f} s",
        )
    )
    if options.base_images:
        mirror = debian_mirror(read_apt_sources())
        for recipe in ("python", "postgres"):
            tag = f"bench/{recipe}:scratch"
            seconds = timed("bash", str(RECIPES_DIR / "build-base.sh"), recipe, tag, mirror, SUITE, "bench")
            size = client.images.get(tag).attrs["Size"] / 1e6
            client.images.remove(tag)
            rows.append((f"local base image {recipe}: bootstrap, size", f"{seconds:.1f} s, {size:.0f} MB"))

    with tempfile.TemporaryDirectory() as scratch:
        sqlite, postgres = scratch_env(Path(scratch), "dev"), scratch_env(Path(scratch), "ci")
        try:
            cold = inv("build", "--env", sqlite, "--no-cache")
            rows.append(("cold build of the api image (no cache)", f"{cold:.1f} s"))
            unchanged = inv("build", "--env", sqlite)
            edited = ROOT / "app" / "routers" / "notes.py"
            original = edited.read_text()
            try:
                edited.write_text(original + f"\n# bench {uuid.uuid4().hex}\n")
                one_line = inv("build", "--env", sqlite)
            finally:
                edited.write_text(original)
            rows.append(("rebuild after a one-line code change", f"{one_line:.1f} s ({one_line / cold:.2f} of cold)"))
            rows.append(("rebuild with nothing changed", f"{unchanged:.1f} s ({unchanged / cold:.2f} of cold)"))
            project = Path(sqlite).name.split(".")[0]
            rows.append(("api image size", f"{client.images.get(f'{project}-api').attrs['Size'] / 1e6:.0f} MB"))

            for name, env in (("SQLite", sqlite), ("PostgreSQL", postgres)):
                inv("build", "--env", env)
                up = inv("up", "--env", env, "--no-build")
                down = inv("down", "--env", env)
                up_again = inv("up", "--env", env, "--no-build")
                down_again = inv("down", "--env", env)
                rows.append((f"{name}: inv up to healthy (fresh volume, then existing)", f"{up:.1f} s, {up_again:.1f} s"))
                rows.append((f"{name}: inv down", f"{down:.1f} s, {down_again:.1f} s"))
        finally:
            for env in (sqlite, postgres):
                subprocess.run(
                    [sys.executable, "-m", "invoke", "clean", "--env", env, "--volumes", "--yes"], cwd=ROOT, capture_output=True
                )

    width = max(len(label) for label, _ in rows)
    for label, value in rows:
        print(f"{label:<{width}}  {value}")


if __name__ == "__main__":
    main()
