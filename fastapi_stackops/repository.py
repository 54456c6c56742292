"""What git says about the project's files: an env file git ignores is missing from every fresh clone."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

from fastapi_stackops import StackError
from fastapi_stackops.commands import run
from fastapi_stackops.project import ProjectConfig, display
from fastapi_stackops.settings import ENV_SUFFIX, LOCAL_SUFFIX


def ignored_by_git(paths: list[Path], root: Path) -> dict[Path, str]:
    """Each untracked path git ignores, with the rule that ignores it (`.gitignore:7: env/`); {} outside a repository."""
    if not paths or shutil.which("git") is None:
        return {}
    result = run(["git", "check-ignore", "--verbose", "--", *map(str, paths)], cwd=root, capture=True, check=False)
    if result.returncode not in (0, 1):  # 128: not a repository, so nothing is ignored
        return {}
    rules = {}
    for line in result.stdout.splitlines():
        rule, _, path = line.partition("\t")
        source, number, pattern = rule.split(":", 2)
        rules[(root / path).resolve()] = f"{display(Path(root / source))}:{number}: {pattern}"
    return rules


def committed_env_files(config: ProjectConfig) -> list[Path]:
    """The env files a clone must have: every `*.env.docker` of the env folder but the local overlays."""
    return sorted(p.resolve() for p in config.env_dir.glob(f"*{ENV_SUFFIX}") if not p.name.endswith(LOCAL_SUFFIX))


def check_env_files_tracked(config: ProjectConfig) -> None:
    """Refuse env files git would leave out of every clone, naming the rule and the fix."""
    ignored = ignored_by_git(committed_env_files(config), config.root)
    if ignored:
        path, rule = next(iter(ignored.items()))
        raise StackError(
            f"{display(path)} is ignored by git ({rule}), so a fresh clone has no env files; "
            f"set env-dir in {display(config.file)} [tool.stackops] to a folder git keeps (such as deploy-env), "
            "or remove that line (only *.local.env.docker files hold secrets and stay ignored)"
        )


def tracked_by_git(path: Path) -> bool:
    """Whether git keeps the file (committed, so every clone has it and nothing in it is private to this machine)."""
    if shutil.which("git") is None:
        return False
    result = run(["git", "ls-files", "--error-unmatch", "--", path.name], cwd=path.parent, capture=True, check=False)
    return result.returncode == 0


def git_root(path: Path) -> Path | None:
    """The top of the git repository `path` lies in; None outside one."""
    if shutil.which("git") is None:
        return None
    result = run(["git", "rev-parse", "--show-toplevel"], cwd=path, capture=True, check=False)
    return Path(result.stdout.strip()).resolve() if result.returncode == 0 else None


def last_commit_time(path: Path) -> datetime | None:
    """When the last commit touching the folder was made (UTC); None outside a repository or before a first commit."""
    if shutil.which("git") is None:
        return None
    result = run(["git", "log", "-1", "--format=%ct", "--", "."], cwd=path, capture=True, check=False)
    stamp = result.stdout.strip()
    return datetime.fromtimestamp(int(stamp), UTC) if result.returncode == 0 and stamp.isdigit() else None
