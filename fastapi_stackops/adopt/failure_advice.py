"""What to do about a failure of the app's first start known only by its words (an app that writes under its
read-only code at import, connects to a database at localhost, opens a file the repository lacks), and the paths
those words name. Pure: tested as a table."""

from __future__ import annotations

import re

from fastapi_stackops.adopt.conventions import CODE_DIR
from fastapi_stackops.adopt.source import LOCAL_HOSTS

#: What an app that reaches its database at import says when there is none: worth asking again with the stack up.
UNREACHED = re.compile(
    r"Can't connect|Connection refused|could not translate host name|Name or service not known|"
    r"Temporary failure in name resolution|ConnectionRefusedError|connection to server at|Errno 111|Errno 99|"
    r"Unknown (MySQL )?server host|(?i:database connection failed|(?:could not|failed to) connect to (?:the )?database)|"
    # A forward (local_forward) whose server is not up: it takes the connection, then closes it.
    r"Lost connection to MySQL server|server closed the connection unexpectedly|ConnectionResetError|"
    r"connection was closed in the middle of operation"
)
#: An app that writes under its code at import (a logs/ folder): the root filesystem is read-only, and the code's
#: files the root's, not the app user's; or a log file in a folder the image lacks (logs/ holds no Python, so is not
#: copied), which a writable folder there mends the same way.
READ_ONLY = re.compile(
    rf"Read-only file system: '([^']+)'|No such file or directory: '([^']+\.(?:log|jsonl)|/var/log/[^']+\.\w+)'"
    rf"|Permission denied: '({CODE_DIR}/[^']+)'"
)

#: A file the app opens at import that the image lacks (a key pair a script makes, a git-ignored data file).
MISSING_FILE = re.compile(rf"No such file or directory: '((?:{CODE_DIR}/)?[\w.-]+(?:/[\w.-]+)*\.\w+)'")
#: Compose's word that a dependency of `compose run` never became healthy, then that container's own (given_up_words).
DEPENDENCY_SAID = re.compile(r"dependency failed to start: .*; \S+ says: ")
#: A folder the app needs at import that the image lacks: the library's words, or pydantic's of a DirectoryPath.
MISSING_FOLDER = re.compile(r"[Dd]irectory '([^']+)' does not exist|path_not_directory, input_value=\w*Path\('([^']+)'\)")

GENERIC = (
    "if it needs a variable init could not read from its code, give it with --set NAME=VALUE; "
    "if this is not the app, name it with --app module:attribute"
)
#: What to do about migrations that fail for no reason init can name: the stack's database starts empty.
FRESH_DATABASE = (
    "its migrations must build the schema on an empty database, as the stack's starts (a chain that creates a table twice "
    "fails so): run them on an empty one to see it, mend them, and commit"
)


def written(words: str) -> str:
    """The path a READ_ONLY failure names."""
    found = READ_ONLY.search(words)
    return next(filter(None, found.groups()), "") if found else ""


def missing_folder(words: str) -> str:
    """The folder the app needs at import and the image lacks ("" for none): the last mention, not the library's line."""
    missing = [named for found in MISSING_FOLDER.findall(words) for named in found if named and "{" not in named]
    return missing[-1] if missing else ""


#: A host on the internet the app reaches as it loads (a model's hub), named by an https URL in its words, whose name
#: does not resolve from here.
INTERNET_HOST = re.compile(
    r"(?<!error at: )https://([\w-]+(?:\.[\w-]+)+)[^;]*(?:Name or service not known|Temporary failure in name resolution)"
)
#: A database's host no name resolves for (libpq's words, MySQL's), the name as the app gave it.
UNRESOLVED_DATABASE = re.compile(r"""could not translate host name "([^"]+)"|Unknown MySQL server host '([^']+)'""")
#: What init says of a probe the kernel killed, before the limit it ran under.
KILLED_SAID = "killed as it loaded (SIGKILL, as the kernel kills a container over its memory limit) at"


def connection_advice(words: str) -> str:
    """What to do about a server the app could not reach as it loaded: by a name nothing here resolves (a database's,
    a host on the internet), or at localhost; "" for none."""
    if (database := UNRESOLVED_DATABASE.search(words)) and (database[1] or database[2]) not in LOCAL_HOSTS:
        return (
            f"it connects at import to a database at {database[1] or database[2]}, a host nothing here answers to: if a "
            "setting gives it, give it with --set NAME=VALUE; if its code writes it, read it from a variable instead"
        )
    if UNREACHED.search(words) and (host := INTERNET_HOST.search(words)):
        return (
            f"it reaches {host[1]} as it loads, and no name resolves from here: have it fetch at first use, not at "
            "import, or run init where that host answers"
        )
    if UNREACHED.search(words) and re.search(r"localhost|127\.0\.0\.1", words):
        return (
            "it connects at import to a database at localhost, an address its code writes instead of reading it from "
            "the environment: read it from a variable (os.getenv, or a settings field), and init points it at the stack's"
        )
    return ""


def advice(words: str, migrating: bool = False) -> str:
    """What to do about an import failure known only by its last words (an app that writes at import, or connects),
    or about migrations that failed before it."""
    if KILLED_SAID in words:
        return "it needs more memory as it loads than init gives a trial (a model built at import?): load it at first use"
    if DEPENDENCY_SAID.search(words):
        return (
            "a service the app depends on never started, for the reason it gives: mend that (a script the database runs "
            "at its first start, say), then run init again"
        )
    if READ_ONLY.search(words):
        return (
            f"it writes {written(words)} beside its code at import, where the image has nothing writable: "
            "write logs to stdout, or under a folder of their own (logs/), which init then mounts writable"
        )
    if said := connection_advice(words):
        return said
    if opened := MISSING_FILE.search(words):
        return (
            f"it opens {opened.group(1).removeprefix(f'{CODE_DIR}/')} at import, a file the repository does not hold "
            "(git-ignored, or made by a script): commit it, or have the app read it from a variable or create it"
        )
    if missing_folder(words):
        folder = missing_folder(words).removeprefix(f"{CODE_DIR}/")
        return (
            f"it needs the folder {folder}, which the repository does not hold (made by another build, such as a "
            "frontend's?): commit it, or have the app skip it when it is absent"
        )
    return FRESH_DATABASE if migrating else GENERIC
