"""The variables and values an import failure names, read from its words: those the app demanded and had none of,
and those its type or its own check refused, with a value each takes instead. Pure: tested as a table."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable

from fastapi_stackops.adopt.app_mode import local_member
from fastapi_stackops.adopt.brokers import REDIS_PARTS
from fastapi_stackops.adopt.conventions import SERVED_AT

#: A field's name as pydantic prints it, not the `n` of a line break escaped in the probe's JSON report (`\\nMAIL_FROM`).
FIELD = r"(?<![\\\w])([A-Za-z][A-Za-z0-9_]*)"
#: A variable read at import (or startup) with no default: by starlette's Config, os.environ[...], python-decouple, or a pydantic
#: model validated from the environment itself (`Config(**os.environ)`: the input pydantic shows is a dict of variables).
MISSING_VARIABLE = re.compile(
    r"Config '([A-Za-z_]\w*)' is missing|KeyError: '([A-Z][A-Z0-9_]*)'|UndefinedValueError: ([A-Z][A-Z0-9_]*) not found|"
    # pydantic-settings reads a lowercase field from its uppercase variable (metrics_enabled from METRICS_ENABLED)
    r"(?<![\\\w])(?P<field>[A-Za-z][A-Za-z0-9_]*)\s+(?:/\s+)?Field required \[type=missing, input_value=\{'[A-Z_]+'|"
    # the app's own check ("JWT_SECRET is required at startup", "CORS_ORIGINS isn't present in the config")
    r"\b([A-Z][A-Z0-9]*_[A-Z0-9_]+) (?:is required|must be set|(?:isn't|is not) (?:present|set|defined|configured))\b|"
    r"""Environment variable ["']([A-Z][A-Z0-9_]*)["'] not set|"""  # environs, and an app's own
    # An SDK's client made at import ("... or by setting the OPENAI_API_KEY environment variable"), an app's own words;
    # the first of two offered (set the `OPENAI_API_KEY` or `OPENAI_ADMIN_KEY` environment variable)
    r"\bset(?:ting)? the `?([A-Z][A-Z0-9]*_[A-Z0-9_]+)`?(?: or `?[A-Z][A-Z0-9]*_[A-Z0-9_]+`?)? environment variable|"
    r"\b([A-Z][A-Z0-9]*_[A-Z0-9_]+) environment variable (?:is )?(?:not set|missing|required)"
)

#: pydantic 1's settings class (named so) lacking fields: BaseSettings reads their variables whatever their case.
V1_SETTINGS = re.compile(r"validation errors? for \w*(?:Settings|Config)\b(.*)", re.S)
V1_MISSING = re.compile(rf"{FIELD}\s+field required \(type=value_error\.missing\)")
#: An app's own check listing what it lacks: "Missing required environment settings: TOKEN_ISSUER, TOKEN_AUDIENCE".
LISTED_MISSING = re.compile(
    r"[Mm]issing (?:required )?(?:environment )?(?:settings|variables?|env vars)\W+([A-Z][A-Z0-9_]*(?:,\s*[A-Z][A-Z0-9_]*)*)"
)

#: A value init generated that the setting's type refused (pydantic names the field, then what it should be).
REFUSED_VALUE = re.compile(
    rf"{FIELD}\s+(?:/\s+)?Input should be a valid (boolean|integer|number|URL|dictionary|list|UUID)|"
    rf"{FIELD}\s+(?:/\s+)?value is not a valid (email) address|"  # pydantic's EmailStr
    rf"{FIELD}(?: -> \d+)?\s+invalid or missing (URL) scheme|"  # pydantic 1's, of a list's item too
    r"""Environment variable "([A-Z][A-Z0-9_]*)" invalid: \[?['"]?Not a valid (boolean|integer|number|URL)"""  # environs
)
VALUE_OF_KIND = {
    "boolean": "false",
    "integer": "1",
    "number": "1.0",
    "URL": SERVED_AT,
    "dictionary": "{}",
    "list": "[]",
    "email": "ci@example.com",  # a name reserved for examples (RFC 2606): nothing is ever sent there
    "UUID": str(uuid.uuid4()),  # often a token (esojlm5/fastapi-queue's API_TOKEN: UUID): made up, as secrets are
}

#: A default of a str field that is no string (`HTTP_PORT: str = 5000`), which pydantic-settings validates: the same
#: value as text, as the environment gives it, passes.
REFUSED_DEFAULT = re.compile(
    rf"{FIELD}\s+(?:/\s+)?Input should be a valid string \[type=string_type, input_value=([\w.-]+), input_type=(?:int|float|bool)\]"
)
#: A generated value a field's pattern refused (pydantic quotes the pattern): one of these that the pattern takes.
REFUSED_PATTERN = re.compile(r"\b([A-Z][A-Z0-9_]*)\s+(?:/\s+)?String should match pattern '([^']+)'")
FITTING_CANDIDATES = ("ci0stackops", "ci_stackops", "0123456789abcdef", "stackops", "ci", "a", "A", "1", "1.0.0")
#: A list whose default holds reads of unset variables (`[os.environ.get("URL_ONE"), ...]`), which pydantic refuses item
#: by item (1's "-> 0 none is not an allowed value", 2's ".0 Input should be ... input_value=None"): an empty one.
NONE_ITEMS = re.compile(
    rf"{FIELD}(?: -> \d+\s+none is not an allowed value|\.\d+\s+(?:/\s+)?[^\[\n]*\[type=\w+, input_value=None\b)"
)
#: A str field's default that is None (`WIFI_DOMAIN: str = get_host()`, an address the machine's Wi-Fi gives, none
#: in a container), which pydantic refuses: its variable gets a plain value.
NONE_DEFAULT = re.compile(rf"{FIELD}\s+(?:/\s+)?Input should be a valid string \[type=string_type, input_value=None\b")
#: A generated value longer than a field's limit (`SITE_NAME: str = Field(max_length=20)`): a plain shorter one.
REFUSED_LENGTH = re.compile(rf"{FIELD}\s+(?:/\s+)?String should have at most (\d+) characters?")


#: One of the values a setting may take, and a list of them: pydantic lists an enum's or a Literal's members
#: ("'dev', 'homolog' or 'production'"), an app's own check may list them bare ("dev, homolog, production").
CHOICE = r"['\"]?[A-Za-z0-9][\w.-]*['\"]?"
OR = r"(?:\s*,\s*(?:or\s+)?|\s+or\s+)"
CHOICES = rf"{CHOICE}(?:{OR}{CHOICE})+"
#: pydantic refusing a generated value for an enum or a Literal field: it names the field, then its members (pydantic
#: 1's words too: "value is not a valid enumeration member; permitted: 'production', 'local'").
REFUSED_CHOICE = re.compile(
    rf"{FIELD}\s+(?:/\s+)?(?:Input should be ({CHOICE}(?:{OR}{CHOICE})*) \[type=(?:enum|literal_error)|"
    rf"(?:value is not a valid enumeration member|unexpected value); permitted: ({CHOICE}(?:{OR}{CHOICE})*))"
)
#: An app's own check refusing a value, with what the value must be.
MUST_BE = re.compile(rf"\b(?:must be|should be|one of|allowed values are)(?: one of)?:?\s+\[?({CHOICES})")


def choice(listed: str) -> str:
    """The member of a listed choice a throwaway stack runs the app in: a local or test one, else the first."""
    members = [m.strip("'\"") for m in re.findall(CHOICE, listed) if m != "or"]
    return local_member(members) or members[0]


#: A made-up value shorter than a field's minimum (`secret_key: str = Field(min_length=64)`), in pydantic 2's words and
#: 1's: the same value, repeated to that length, keeps its every kind of character.
REFUSED_SHORT = re.compile(
    rf"{FIELD}\s+(?:/\s+)?(?:String should have at least|ensure this value has at least) (\d+) characters?"
)


def lengthened(words: str, generated: dict[str, str]) -> dict[str, str]:
    """Variable -> its made-up value repeated to the length the field asks, for each one refused as too short."""
    named = {name.upper(): int(least) for name, least in REFUSED_SHORT.findall(words)}
    return {
        variable: (value * (least // len(value) + 1))[:least]
        for variable, value in generated.items()
        for name, least in named.items()
        if value and (variable == name or variable.endswith(f"_{name}"))
    }


#: Python's words for a made-up value code turned into a number (`int(os.getenv(...))`), and a value that turns.
CONVERSIONS = (
    (re.compile(r"invalid literal for int\(\) with base 10: '([^']*)'"), "1"),
    (re.compile(r"could not convert string to float: '([^']*)'"), "1.0"),
)


#: An app's own check refusing a value without the prefix it must start with (Stripe's keys: "STRIPE_PUBLISHABLE_KEY
#: must start with 'pk_test_' or 'pk_live_'"), said before the value it quotes.
MUST_START = re.compile(r"""must (?:start|begin) with ['"]([^'"\s]+)['"]""")


def prefixed(words: str, generated: dict[str, str]) -> dict[str, str]:
    """Variable -> its made-up value behind the prefix the check said just before quoting it."""
    found = {}
    for name, value in generated.items():
        at = words.find(value) if len(value) >= 8 else -1
        said = list(MUST_START.finditer(words, max(0, at - 300), at)) if at > 0 else []
        found |= {name: said[-1][1] + value} if said else {}
    return found


#: A setting the code compares with words (`if settings.BOT_TYPE == "line": ... else: raise ValueError(...)`).
COMPARED = re.compile(r"""\b(\w+)\s*==\s*['"]([\w.-]+)['"]""")


def compared_with(words: str, generated: dict[str, str], source: str) -> dict[str, str]:
    """Variable -> a word the failing file compares it with, for each made-up value its own check quotes as it refuses
    it ("Unsupported BOT_TYPE: ci-Secret..."): a local mode among them, else the first."""
    found = {}
    for variable, value in generated.items():
        if len(value) < 8 or value not in words:
            continue
        members = [word for name, word in COMPARED.findall(source) if f"_{variable}".endswith(f"_{name.upper()}")]
        found |= {variable: choice(", ".join(members))} if members else {}
    return found


def refused_made_up(words: str, generated: dict[str, str]) -> dict[str, str]:
    """Variable -> a value it takes, for each made-up value refused: as none of a list, by pydantic (an enum or a
    Literal field) or the app's own check, which quotes the value; or as no number, by the code that converts it."""
    named = {found.group(1).upper(): choice(found.group(2) or found.group(3)) for found in REFUSED_CHOICE.finditer(words)}
    listed = MUST_BE.search(words)
    quoted = {name: choice(listed.group(1)) for name, value in generated.items() if listed and len(value) >= 8 and value in words}
    converted = {
        name: number for pattern, number in CONVERSIONS for name, value in generated.items() if value in pattern.findall(words)
    }
    return quoted | converted | lengthened(words, generated) | prefixed(words, generated) | named


#: redis-py refusing a URL, which it never quotes: what the failing statement hands it is the stack's Redis.
REDIS_SCHEME = re.compile(r"Redis URL must specify one of the following schemes")


def redis_by_use(words: str, statement: str, variables: Iterable[str]) -> dict[str, str]:
    """Variable -> the stack's Redis URL, for each of these (made up, or read with no default and so unset) that the
    failing statement hands redis-py as one (`AsyncRedisManager(setting.WS_MESSAGE_QUEUE)`): a Redis URL known by its
    use, not its name."""
    names = {name.upper() for name in re.findall(r"\w+", statement)} if REDIS_SCHEME.search(words) else set()
    # a settings attribute under a prefix (`settings.queue` of SVC_QUEUE), not a local name (`from_url(url)`)
    attributes = {name.upper() for name in re.findall(r"\.(\w+)", statement)} & names
    named = [v for v in dict.fromkeys(variables) if v in names or any(v.endswith(f"_{name}") for name in attributes)]
    return dict.fromkeys(named, REDIS_PARTS["url"][1])


def fitting(pattern: str) -> str | None:
    """A plain value the pattern takes whole: a local mode or one of the words it lists (`^(test|dev|prod)$`), else an
    identifier, hex, a word, a version; None when none does or it is no Python regex."""
    listed = re.findall(r"\w+", pattern) if "|" in pattern else []
    candidates = (*filter(None, [local_member(listed)]), *listed, *FITTING_CANDIDATES)
    try:
        return next((value for value in candidates if re.fullmatch(pattern, value)), None)
    except re.error:
        return None


def refused_values(words: str) -> dict[str, str]:
    """Variable -> a value of the kind its type wants, or one its pattern takes, for each generated value pydantic
    refused; a str field's default that is no string, as text; a plain one for a default of None."""
    named = (tuple(filter(None, found.groups())) for found in REFUSED_VALUE.finditer(words))
    values = {name.upper(): VALUE_OF_KIND[kind] for name, kind in named}  # a settings field's variable
    patterned = {found.group(1): fitting(found.group(2)) for found in REFUSED_PATTERN.finditer(words)}
    as_text = {name.upper(): value for name, value in REFUSED_DEFAULT.findall(words)}
    shorter = {name.upper(): "stackops"[: int(most)] for name, most in REFUSED_LENGTH.findall(words) if int(most) >= 2}
    emptied = {name.upper(): "[]" for name in NONE_ITEMS.findall(words)}
    emptied |= {name.upper(): "stackops" for name in NONE_DEFAULT.findall(words)}
    return values | as_text | shorter | emptied | {name: value for name, value in patterned.items() if value}


def quoted(words: str, values: dict[str, str]) -> tuple[str, ...]:
    """The variables whose value the failure quotes (an app refusing a placeholder: 'SECRET_KEY is "changethis"')."""
    return tuple(name for name, value in values.items() if len(value) >= 4 and re.search(f"[\"']{re.escape(value)}[\"']", words))


def missing_variables(words: str) -> tuple[str, ...]:
    """Every variable the failure says was missing, in order (a pydantic model lists each missing field)."""
    found = [
        named.group("field").upper() if named.group("field") else next(filter(None, named.groups()))
        for named in MISSING_VARIABLE.finditer(words)
    ]
    found += [name.strip() for listed in LISTED_MISSING.finditer(words) for name in listed.group(1).split(",")]
    settings = V1_SETTINGS.search(words)
    found += [name.upper() for name in V1_MISSING.findall(settings.group(1))] if settings else []
    return tuple(dict.fromkeys(found))


def folders_made_up(missing: str, generated: dict[str, str], folders: Iterable[str]) -> dict[str, str]:
    """Variable -> a folder, for a made-up value the app looked for as a folder (`StaticFiles(directory=settings.
    STATIC_DIRECTORY)`: "Directory 'ci-Secret...' does not exist"): the repository's folder a word of its name names
    (static), else /tmp, which every image has (CoolichWithYou/fastapi-portfolio-template)."""
    named = [name for name, value in generated.items() if value and missing.rstrip("/").endswith(value)]
    words = {name: set(name.lower().split("_")) for name in named}
    return {name: next((folder for folder in folders if folder.lower() in words[name]), "/tmp") for name in named}
