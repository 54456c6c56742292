"""adopt/workspace.py: a lock read as uv and poetry may write it (TOML 1.1's inline tables over several lines)."""

import pytest

from fastapi_stackops import StackError
from fastapi_stackops.adopt.workspace import read_toml

SPLIT_TABLE = """[[package]]
name = "aio-pika"
sdist = {
  url = "https://mirror.example/aio_pika-9.6.2.tar.gz",
  hash = "sha256:c49e"
}
wheels = [
  { url = "https://mirror.example/aio_pika-9.6.2-py3-none-any.whl", hash = "sha256:0f1a" },
]
"""


@pytest.mark.parametrize(
    ("text", "sdist"),
    [
        (SPLIT_TABLE, "https://mirror.example/aio_pika-9.6.2.tar.gz"),
        (
            SPLIT_TABLE.replace("{\n  url", "{ url").replace(',\n  hash = "sha256:c49e"\n}', ', hash = "sha256:c49e" }'),
            "https://mirror.example/aio_pika-9.6.2.tar.gz",
        ),
        (
            SPLIT_TABLE.replace("aio_pika-9.6.2.tar.gz", "a {brace} in a string.tar.gz"),
            "https://mirror.example/a {brace} in a string.tar.gz",
        ),
    ],
)
def test_a_lock_whose_inline_tables_span_lines_reads_as_on_one(tmp_path, text, sdist):
    lock = tmp_path / "uv.lock"
    lock.write_text(text)
    assert read_toml(lock)["package"][0]["sdist"]["url"] == sdist


def test_a_lock_no_reading_can_parse_is_said_in_one_line(tmp_path):
    lock = tmp_path / "uv.lock"
    lock.write_text("[[package]\nname = ")
    with pytest.raises(StackError, match=r"^uv.lock is not TOML Python can read \(.*\): write it again with its tool$"):
        read_toml(lock)


def test_a_scratch_copy_keeps_a_symlink_as_a_link_even_one_whose_target_was_never_committed(tmp_path):
    """kskgit/fastapi-project commits `.claude/.../integration.md -> ../../../docs/test/integration.md`, which it does
    not hold: init's copy followed the link and crashed with shutil's traceback."""
    from fastapi_stackops.adopt.workspace import scratch_copy

    root = tmp_path / "svc"
    (root / "notes").mkdir(parents=True)
    (root / "main.py").write_text("")
    (root / "notes" / "gone.md").symlink_to("../docs/gone.md")
    copy = scratch_copy(root, tmp_path / "scratch", None)
    assert (copy / "notes" / "gone.md").is_symlink() and (copy / "main.py").is_file()
