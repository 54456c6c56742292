"""The env-file parsing layer: input text -> values, or an error naming file and line."""

import pytest

from fastapi_stackops.envfiles import EnvFileError, read_env_files


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("A=1\n", {"A": "1"}),
        ("A=1\nA=2\n", {"A": "2"}),
        ("export A=1\n", {"A": "1"}),
        ("A='single $quoted'\n", {"A": "single $quoted"}),
        ('A="double quoted"\n', {"A": "double quoted"}),
        ("A=value # a comment\n", {"A": "value"}),
        ('A="has # inside"\n', {"A": "has # inside"}),
        ("A=pa$word\n", {"A": "pa$word"}),
        ("A=x\nB=${A}y\n", {"A": "x", "B": "xy"}),
        ("A=x\nB='${A}y'\n", {"A": "x", "B": "xy"}),  # python-dotenv expands in single quotes too
        ("A=\n", {"A": ""}),
        ("# only a comment\n\n", {}),
        ("A=no newline at end", {"A": "no newline at end"}),
    ],
)
def test_values_are_what_python_dotenv_reads(tmp_path, text, expected):
    path = tmp_path / "x.env.docker"
    path.write_text(text)
    assert {k: v.value for k, v in read_env_files([path]).items()} == expected


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("A=1\nthis is not an assignment\n", 2, "cannot parse"),
        ("A=1\nB\n", 2, "has no '='"),
        ("A='unterminated\n", 1, "cannot parse"),
        ("A-B=1\n", 1, "not a variable name"),
        ('A=1\nB="line1\nline2"\n', 2, "B holds a line break"),
    ],
)
def test_malformed_lines_are_errors_naming_the_line(tmp_path, text, line, words):
    path = tmp_path / "bad.env.docker"
    path.write_text(text)
    with pytest.raises(EnvFileError) as error:
        read_env_files([path])
    assert f"bad.env.docker:{line}:" in str(error.value)
    assert words in str(error.value)


def test_later_files_override_and_see_earlier_values(tmp_path):
    base, local = tmp_path / "dev.env.docker", tmp_path / "dev.local.env.docker"
    base.write_text("USER_NAME=app\nPASSWORD=base\n")
    local.write_text("PASSWORD=secret-for-${USER_NAME}\n")
    values = read_env_files([base, local])
    assert values["PASSWORD"].value == "secret-for-app"
    assert values["PASSWORD"].path == local and values["PASSWORD"].line == 1
    assert values["USER_NAME"].path == base


def test_a_file_the_project_does_not_own_is_read_leniently_and_quietly(tmp_path, caplog):
    # jahoroshi/FastAPI-REST-Pytest: its .env's second line is no assignment; dotenv's warning, naming no file, came
    # out amid init's own lines.
    from fastapi_stackops.envfiles import literal_values

    path = tmp_path / ".env"
    path.write_text("A=1\nthis is not an assignment\nB=2\n")
    assert literal_values(path) == {"A": "1", "B": "2"}
    assert not [r for r in caplog.records if "could not parse" in r.getMessage()]
