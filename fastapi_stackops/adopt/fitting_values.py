"""Values a setting's name or type says libraries validate (an email, a log level, an int, a URL): what init gives a
required setting that is no secret, so that the app starts."""

from __future__ import annotations

import re

from fastapi_stackops.adopt.conventions import SERVED_AT

EMAIL_NAMED = re.compile(r"^(?!.*(pass|secret|key|token|host|server|port|smtp)).*(^|_)e?mail(_|$)", re.I)
#: A token's signing algorithm; read bare (`os.getenv("ALGORITHM")`), None makes PyJWT sign with "none" and refuse the key.
TOKEN_ALGORITHM = re.compile(r"(^|_)(jwt_|token_|encryption_|signing_)?(algorithm|algo)$", re.I)
LOG_FILE = re.compile(r"(^|_)log(ging|ger)?_?(file|path|filename)(_?(location|path|name))?$", re.I)
NAMED_VALUES = (
    (EMAIL_NAMED, "admin@example.com"),
    # Who a mail server's messages come from (SMTP_FROM, handed to fastapi-mail's MAIL_FROM, which wants an address).
    (re.compile(r"(^|_)smtp_(from|sender)(_?(address|addr|email))?$", re.I), "admin@example.com"),
    # What routes are mounted under (prefix=f"/api/{settings.VERSION}"): one value in the trial and every env, never a
    # generated one, or the health path init read would exist in no env's app.
    (re.compile(r"^(api_)?version$", re.I), "v1"),
    (re.compile(r"^(api|api_v\d+|router?|url)_(prefix|str)$", re.I), "/api"),
    (re.compile(r"(^|_)log(ging|ger)?_?level$", re.I), "INFO"),
    # A log file's path: where the read-only image has a tmpfs (a made-up name would be written beside the code).
    (LOG_FILE, "/tmp/app.log"),
    # A key file's path, which an app may write its keys to as it starts (kongnakornna's JWT_SIGNING_PRIVATE_KEY_PATH).
    (re.compile(r"(^|_)(key|cert|certificate|pem)s?_?(file|path)$", re.I), "/tmp/{name}"),
    # A token's signing algorithm (PyJWT, python-jose): HMAC with the secret the key field gets.
    (TOKEN_ALGORITHM, "HS256"),
    # passlib's CryptContext settings (KappaRoss2/fastapi-todo-list's crypt_context_schema): a scheme it knows, and
    # its `deprecated` keyword's usual value; a made-up one is "no crypt handler found" at import.
    (re.compile(r"(^|_)(crypt|pwd|password)(_context)?_(schemes?|schemas?|algorithms?|hash(ing)?_algorithms?)$", re.I), "bcrypt"),
    (re.compile(r"(^|_)(crypt|pwd)(_context)?_deprecated$", re.I), "auto"),
    (re.compile(r"(^|_)(timezone|tz)$", re.I), "UTC"),
    # A mail server's port, read bare and handed to a client that wants an int (fastapi-mail's MAIL_PORT): submission's.
    (re.compile(r"(^|_)(e?mail|smtp)_?port$", re.I), "587"),
    # A phone number phonenumbers parses and takes as a mobile or fixed line (a US one in E.164, written by its region).
    (re.compile(r"(^|_)(phone|msisdn)(_?(number|no))?$", re.I), "+14155552671"),
    # The suite's own database, which it creates and drops by name (KappaRoss2/fastapi-todo-list's `CREATE DATABASE
    # {test_db}`): a made-up secret's dashes are no SQL name.
    (re.compile(r"(^|_)test_?(db|database)(_name)?$", re.I), "app_test"),
    # Where the app says it is served (a link in a mail, an OAuth callback): validated as an absolute http(s) URL.
    (
        re.compile(r"(^|_)(base|public|site|app|frontend|server|callback|redirect)_?(url|uri)$", re.I),
        SERVED_AT,
    ),
    # Any other service's address (SUPABASE_URL, ELASTIC_ENDPOINT), which clients check is a URL when they are made;
    # a database's, Redis's or a broker's is wired to the stack's first, and a made-up one is never a web address.
    (
        re.compile(
            r"^(?!.*(database|db|redis|broker|amqp|rabbit|mongo|celery|postgres|mysql|sqlite|sqlalchemy|dsn))"
            r".*(^|_)(url|uri|endpoint)$",
            re.I,
        ),
        SERVED_AT,
    ),
)


#: A folder the app writes its logs in (LOG_DIR), on the data volume.
LOG_FOLDER = re.compile(r"(^|_)log(s|ging)?_?(dir|directory|folder|root)$", re.I)


def joined_to_its_folder(variable: str, value: str | None, variables: set[str]) -> str | None:
    """A log file's made-up path as a bare name where a log folder setting sits beside it: the code joins the two
    (f"{LOG_DIR}/{LOG_FILE}"), and a path under the folder names a directory nothing made ("No such file or
    directory: '/var/lib/app/log/tmp/app.log'")."""
    if value and value.startswith("/") and LOG_FILE.search(variable) and any(LOG_FOLDER.search(v) for v in variables):
        return value.rsplit("/", 1)[-1]
    return value


def named_value(name: str) -> str | None:
    """A value of the kind a string's name says libraries validate (an email, a log level, ...), None for the rest."""
    value = next((value for pattern, value in NAMED_VALUES if pattern.search(name)), None)
    return value.format(name=name.lower()) if value else None


#: A value that validates as each type, for a required setting that is not a string; by the annotation's words.
TYPED_VALUES = (
    (re.compile(r"^(list|List|set|Set|tuple|Tuple|Sequence)\b"), "[]"),
    (re.compile(r"^(dict|Dict|Mapping)\b"), "{}"),
    (re.compile(r"\bbool\b"), "false"),
    (re.compile(r"\b(int|PositiveInt|NonNegativeInt|conint)\b"), "1"),
    (re.compile(r"\b(float|PositiveFloat|Decimal)\b"), "1.0"),
    (re.compile(r"\bEmailStr\b|\bNameEmail\b"), "admin@example.com"),
    # An address to serve at (jpcadena/fastapi-graphql's `SERVER_HOST: IPvAnyAddress`): a container's is every one.
    (re.compile(r"\bIPv(4|Any)Address\b"), "0.0.0.0"),
    (re.compile(r"\bIPv6Address\b"), "::"),
    (re.compile(r"\bRedisDsn\b"), "redis://localhost:6379/0"),
    (re.compile(r"\b(PostgresDsn|PostgreSQLDsn)\b"), "postgresql://app:app@localhost:5432/app"),
    (re.compile(r"Url\b|Dsn\b"), "http://localhost"),
)


def typed_value(annotation: str) -> str | None:
    """A value pydantic accepts for the annotation; None for a string (or anything unknown), which gets a secret."""
    literal = re.match(r"^(?:\w+\.)?Literal\[\s*['\"]?([^'\",\]]+)", annotation)  # typing's, as `t.Literal` too
    if literal:
        return literal.group(1)
    inner = re.sub(r"^(Optional\[(.*)\]|Annotated\[([^,]*),.*\])$", r"\2\3", annotation.strip())
    inner = re.sub(r"\s*\|\s*None$", "", inner)
    return next((value for pattern, value in TYPED_VALUES if pattern.search(inner)), None)
