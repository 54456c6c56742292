"""fastapi_stackops/adopt/refused_values.py: the variables and values an import failure names."""

import uuid

import pytest

from fastapi_stackops.adopt.conventions import SERVED_AT
from fastapi_stackops.adopt.refused_values import (
    compared_with,
    missing_variables,
    redis_by_use,
    refused_made_up,
    refused_values,
)

PYDANTIC_FROM_ENVIRONMENT = (
    "pydantic_core._pydantic_core.ValidationError: 2 validation errors for AppConfig\n"
    "PUBLIC_BASE_URL\n  Field required [type=missing, input_value={'PATH': '/opt/venv/bin:/...', 'HOME': '/nonexistent'}, "
    "input_type=dict]\nSECRET_KEY\n  Field required [type=missing, input_value={'PATH': '/opt/venv/bin'}, input_type=dict]"
)


@pytest.mark.parametrize(
    ("words", "variables"),
    [
        ("KeyError: \"Config 'JWT_SIGNING_KEY' is missing, and has no default.\"", ("JWT_SIGNING_KEY",)),
        ("KeyError: 'SECRET_KEY'", ("SECRET_KEY",)),
        ("decouple.UndefinedValueError: SECRET_KEY not found. Declare it as envvar or define a default value.", ("SECRET_KEY",)),
        (PYDANTIC_FROM_ENVIRONMENT, ("PUBLIC_BASE_URL", "SECRET_KEY")),  # a model validated from os.environ: every one
        (PYDANTIC_FROM_ENVIRONMENT.replace("\n  Field", " / Field"), ("PUBLIC_BASE_URL", "SECRET_KEY")),  # lines joined
        (  # the app's own check, listing them
            "ValidationError: 1 validation error for Settings / Value error, Missing required environment settings: "
            "TOKEN_ISSUER, TOKEN_AUDIENCE. Please ensure they are set",
            ("TOKEN_ISSUER", "TOKEN_AUDIENCE"),
        ),
        # A model validated from a request or a file, not the environment: its fields are no variables.
        (
            "ValidationError: 1 validation error for Item\nname\n  Field required [type=missing, input_value={}, input_type=dict]",
            (),
        ),
        ("KeyError: 'name'", ()),
        ("RuntimeError: APP_AUTH_JWT_SECRET_KEY is required at startup", ("APP_AUTH_JWT_SECRET_KEY",)),  # its own check
        # ramanflorfresca/antar-fastapi: an SDK client made at import (OpenAI's, Groq's: the same generated client)
        (
            "OpenAIError: The api_key client option must be set either by passing api_key to the client or by setting "
            "the OPENAI_API_KEY environment variable",
            ("OPENAI_API_KEY",),
        ),
        # Air000000/fastapi-todo-api: a newer OpenAI client quotes the names and offers two.
        (
            "OpenAIError: Missing credentials. Please pass an `api_key`, `workload_identity`, `admin_api_key`, or set "
            "the `OPENAI_API_KEY` or `OPENAI_ADMIN_KEY` environment variable.",
            ("OPENAI_API_KEY",),
        ),
        ("ValueError: Please set the HF_TOKEN environment variable.", ("HF_TOKEN",)),
        ("RuntimeError: the STRIPE_SECRET_KEY environment variable is not set", ("STRIPE_SECRET_KEY",)),
        ("the PATH environment variable is searched", ()),  # no missing one: a name without an underscore, no verdict
        ("ValueError: SMTP_HOST must be set when mail is on", ("SMTP_HOST",)),
        ("ValueError: AUTH_ENABLED must be True in production", ()),  # a rule about a value, not a missing one
        ("RuntimeError: the API is required", ()),
        (  # AlbanAndrieu/fastapi-sample: a lowercase field of a settings class, read from its uppercase variable
            "ValidationError: 1 validation error for APIDeploymentSettings metrics_enabled Field required [type=missing, "
            "input_value={'POSTGRES_DRIVER': 'post...'}, input_type=dict]",
            ("METRICS_ENABLED",),
        ),
        ('environs.exceptions.EnvError: Environment variable "JWT_ISSUER" not set', ("JWT_ISSUER",)),  # environs
        # maxbrixner/fastapi_template: its own resolver of {{NAME}} in a URL, in single quotes; the web crash-looped at ci
        ("Exception: Environment variable 'DBNAME' not set. The database URL cannot be constructed.", ("DBNAME",)),
        # Vasyalisk/fastapi-sqlalchemy-docker-template: pydantic 1's settings class, its fields named in its own words;
        # init refused it in 64 s, having learned none of them.
        (
            "ValidationError: 2 validation errors for Settings\nPROJECT_NAME\n  field required (type=value_error.missing)"
            "\nsecret_key\n  field required (type=value_error.missing)",
            ("PROJECT_NAME", "SECRET_KEY"),
        ),
        ("ValidationError: 1 validation error for Item\nname\n  field required (type=value_error.missing)", ()),  # a body's
        ("EnvValidationError: Environment variable \"JWT_TTL\" invalid: ['Not a valid integer.']", ()),  # set, refused
        # kienchickenzz/fastapi-simple-authen-author-server: its own config class's words; init was refused after a build
        ("ConfigValueMissingError: CORS_ORIGINS isn't present in the config", ("CORS_ORIGINS",)),
        ("ValueError: JWT_SECRET is not set", ("JWT_SECRET",)),
    ],
)
def test_the_variables_an_import_failure_says_are_missing(words, variables):
    assert missing_variables(words) == variables


@pytest.mark.parametrize(
    ("words", "values"),
    [
        ("DEBUG\n  Input should be a valid boolean, unable to interpret input", {"DEBUG": "false"}),
        ("PORT / Input should be a valid integer, unable to parse string", {"PORT": "1"}),
        (  # environs: a generated value its typed read refused
            "environs.exceptions.EnvValidationError: Environment variable \"JWT_ACCESS_TTL_S\" invalid: ['Not a valid integer.']",
            {"JWT_ACCESS_TTL_S": "1"},
        ),
        ('EnvValidationError: Environment variable "FEATURE_ON" invalid: ["Not a valid boolean."]', {"FEATURE_ON": "false"}),
        ('EnvValidationError: Environment variable "JWT_TTL" invalid: Not a valid integer. (from ValueError', {"JWT_TTL": "1"}),
        ('EnvError: Environment variable "JWT_ISSUER" not set', {}),  # missing, not refused
        ("metrics_enabled\n  Input should be a valid boolean, unable to interpret input", {"METRICS_ENABLED": "false"}),
        (  # an EmailStr setting init made a value up for
            "1 validation error for Settings ADMIN_EMAIL value is not a valid email address: An email address must "
            "have an @-sign. [type=value_error, input_value='ci-6748e927d141d4bef14fd55fb3f640d0', input_type=str]",
            {"ADMIN_EMAIL": "ci@example.com"},
        ),
        (  # AlbanAndrieu/fastapi-sample: a generated secret's dash, where a table name is wanted
            "SUPABASE_HEALTH_TABLE String should match pattern '^[A-Za-z_][A-Za-z0-9_]*$' [type=string_pattern_mismatch, "
            "input_value='ci-6748e927d141d4bef14fd55fb3f640d0', input_type=str]",
            {"SUPABASE_HEALTH_TABLE": "ci0stackops"},
        ),
        # eladgunders/fastapi-todos: pydantic 1, a list of URLs its own parser splits at ';' (the list's "[]" one item)
        (
            "ValidationError: 1 validation error for Settings CORS_ORIGINS -> 0 invalid or missing URL scheme "
            "(type=value_error.url.scheme)",
            {"CORS_ORIGINS": SERVED_AT},
        ),
        ("SITE_URL\n  invalid or missing URL scheme (type=value_error.url.scheme)", {"SITE_URL": SERVED_AT}),
        # apucsd/fastapi-backend: the probe's report escapes the line breaks in JSON; init read a field `N` there, and
        # gave every setting with an N in its name an email.
        (
            'stackops-import-failed {"message": "1 validation error for ConnectionConfig\\nMAIL_FROM\\n  value is not a '
            "valid email address: An email address must have an @-sign. [type=value_error, input_value='ci-6748'\"} "
            "1 validation error for ConnectionConfig\nMAIL_FROM\n  value is not a valid email address: An email "
            "address must have an @-sign. [type=value_error, input_value='ci-6748']",
            {"MAIL_FROM": "ci@example.com"},
        ),
        ("CODE\n  String should match pattern '^[0-9a-f]{16}$' [type=string_pattern_mismatch", {"CODE": "0123456789abcdef"}),
        ("CODE / String should match pattern '^[A-Z]{3}-\\d{4}$' [type=string_pattern_mismatch", {}),  # none fits: said as is
        # hoyirul/fastapi-starter-api: `APP_PORT: str = 8000`, a default pydantic-settings validates and refuses; init
        # was refused after a build, the failure quoted whole.
        ("APP_PORT\n  Input should be a valid string [type=string_type, input_value=8000, input_type=int]", {"APP_PORT": "8000"}),
        ("NAME\n  Input should be a valid string [type=string_type, input_value=['a'], input_type=list]", {}),
        # Totamaa/FastAPI-boilerplate: required settings, each constrained; init was refused after a build.
        (
            "ENVIRONMENT\n  String should match pattern '^(test|dev|ppr|prod)$' [type=string_pattern_mismatch",
            {"ENVIRONMENT": "dev"},
        ),
        (
            "JWT_ALGORITHM\n  String should match pattern '^(HS256|RS256)$' [type=string_pattern_mismatch",
            {"JWT_ALGORITHM": "HS256"},
        ),
        (
            "APP_VERSION\n  String should match pattern '^\\d+\\.\\d+\\.\\d+$' [type=string_pattern_mismatch",
            {"APP_VERSION": "1.0.0"},
        ),
        ("APP_NAME\n  String should have at most 20 characters [type=string_too_long", {"APP_NAME": "stackops"}),
        ("CODE\n  String should have at most 3 characters [type=string_too_long", {"CODE": "sta"}),
        # morshedul-antor/fastapi-email-ses: `[os.environ.get("URL_ONE"), os.environ.get("URL_TWO")]`, both unset; init
        # was refused after a build with pydantic's words
        (
            "2 validation errors for Settings BACKEND_CORS_ORIGINS -> 0 none is not an allowed value "
            "(type=type_error.none.not_allowed) BACKEND_CORS_ORIGINS -> 1 none is not an allowed value",
            {"BACKEND_CORS_ORIGINS": "[]"},
        ),
        (
            "ORIGINS.0\n  URL input should be a string or URL [type=url_type, input_value=None, input_type=NoneType]",
            {"ORIGINS": "[]"},
        ),
        ("ORIGINS.0\n  URL input should be a string or URL [type=url_type, input_value='x', input_type=str]", {}),
        # Anasothman55/FastAPI-Gym-api: `WIFI_DOMAIN: str = get_host()`, None in a container; init refused after a build.
        (
            "1 validation error for Settings WIFI_DOMAIN Input should be a valid string [type=string_type, input_value=None, "
            "input_type=NoneType]",
            {"WIFI_DOMAIN": "stackops"},
        ),
    ],
)
def test_a_value_its_type_refused_gets_one_of_that_type(words, values):
    assert refused_values(words) == values


def test_a_made_up_value_a_uuid_field_refused_gets_a_uuid():
    """esojlm5/fastapi-queue's `API_TOKEN: UUID`: its first start refused the made-up string, and init stopped."""
    words = (
        "1 validation error for Settings\nAPI_TOKEN\n  Input should be a valid UUID, invalid character: expected an "
        "optional prefix of `urn:uuid:` followed by [0-9a-fA-F-], found `i` at 2 [type=uuid_parsing, input_value='ci-1a2b'"
    )
    given = refused_values(words)
    assert list(given) == ["API_TOKEN"] and uuid.UUID(given["API_TOKEN"]).version == 4


MADE_UP = {"APP_ENVIRONMENT": "ci-5d7becd33541b5282cd38ba22501079a", "SECRET_KEY": "ci-0123456789abcdef"}


@pytest.mark.parametrize(
    ("words", "values"),
    [
        # the app's own check, quoting the made-up value bare, listing the members bare
        (
            "ValueError: Invalid execution environment: ci-5d7becd33541b5282cd38ba22501079a.The environment must be "
            "dev, homolog, production (case-sensitive).",
            {"APP_ENVIRONMENT": "dev"},
        ),
        ("ValueError: 'ci-5d7becd33541b5282cd38ba22501079a' is not one of: staging, prod", {"APP_ENVIRONMENT": "staging"}),
        # pydantic, for an enum field and a Literal one: it names the field
        (
            "STAGE\n  Input should be 'production', 'testing' or 'local' [type=enum, input_value='ci-x', input_type=str]",
            {"STAGE": "local"},
        ),
        ("mode\n  Input should be 'live' [type=literal_error, input_value='ci-x'", {"MODE": "live"}),
        # wfq2/fastapi-starter: pydantic 1's words for an enum field and a Literal one; init was refused after a build.
        (
            "ProdConfig ENVIRONMENT value is not a valid enumeration member; permitted: 'production', 'local' "
            "(type=type_error.enum; enum_values=[<EnvironmentEnum.PRODUCTION: 'production'>",
            {"ENVIRONMENT": "local"},
        ),
        ("mode\n  unexpected value; permitted: 'live', 'paper' (type=value_error.const; given=ci-x", {"MODE": "live"}),
        # a list that is not about a made-up value, and words that list nothing, teach nothing
        ("ValueError: port must be 80, 443 or 8080", {}),
        ("ValueError: ci-5d7becd33541b5282cd38ba22501079a must be set", {}),
        ("APP_ENVIRONMENT\n  Input should be a valid integer [type=int_parsing", {}),
        # kongnakornna/fastapicleanarchitectureddd: a str field the settings turn into a number themselves
        ("ValueError: invalid literal for int() with base 10: 'ci-0123456789abcdef'", {"SECRET_KEY": "1"}),
        ("ValueError: could not convert string to float: 'ci-0123456789abcdef'", {"SECRET_KEY": "1.0"}),
        ("ValueError: invalid literal for int() with base 10: 'abc'", {}),  # not one init made up
        # bubaley/production-fastapi-docker-template: a secret's minimum above the made-up one's 32 characters; init was
        # refused after a build. The value repeated to that length, in pydantic 2's words and 1's.
        (
            "secret_key\n  String should have at least 40 characters [type=string_too_short, input_value='ci-0123456789abcdef'",
            {"SECRET_KEY": "ci-0123456789abcdefci-0123456789abcdefci"},
        ),
        (
            "SECRET_KEY\n  ensure this value has at least 20 characters (type=value_error.any_str.min_length",
            {"SECRET_KEY": "ci-0123456789abcdefc"},
        ),
        (
            "environment\n  String should have at least 40 characters",
            {"APP_ENVIRONMENT": ("ci-5d7becd33541b5282cd38ba22501079a" * 2)[:40]},
        ),
        ("password\n  String should have at least 40 characters", {}),  # not one init made up
        # Kriz1618/fastapi-stripe-integration: a key's own check wants Stripe's prefix; init was refused after a build
        (
            "secret_key\n  Value error, SECRET_KEY must start with 'sk_test_' or 'sk_live_' [type=value_error, "
            "input_value='ci-0123456789abcdef', input_type=str]",
            {"SECRET_KEY": "sk_test_ci-0123456789abcdef"},
        ),
        ("ValueError: a name must start with 'x'", {}),  # not about a made-up value
    ],
)
def test_a_made_up_value_refused_as_none_of_a_list_or_no_number_gets_one_it_takes(words, values):
    assert refused_made_up(words, MADE_UP) == values


REDIS_REFUSAL = "ValueError: Redis URL must specify one of the following schemes (redis://, rediss://, unix://)"


@pytest.mark.parametrize(
    ("words", "statement", "values"),
    [
        # brestok-1/fastapi-docker: WS_MESSAGE_QUEUE, a Redis URL known by its use; init was refused after a build.
        (REDIS_REFUSAL, "mgr = socketio.AsyncRedisManager(setting.SECRET_KEY)", {"SECRET_KEY": "redis://redis:6379/0"}),
        (REDIS_REFUSAL, "r = Redis.from_url(settings.environment)", {"APP_ENVIRONMENT": "redis://redis:6379/0"}),
        (REDIS_REFUSAL, "r = Redis.from_url(settings.other)", {}),  # none init knows
        (REDIS_REFUSAL, "r = Redis.from_url(environment)", {}),  # a local name, no settings attribute under a prefix
        ("ValueError: bad value", "mgr = socketio.AsyncRedisManager(setting.SECRET_KEY)", {}),  # no Redis refusal
    ],
)
def test_a_made_up_value_redis_refused_as_a_url_is_the_stacks_redis(words, statement, values):
    assert redis_by_use(words, statement, MADE_UP) == values


#: GoodWeather0322/fastapi-bot-hub's shape: a router module picks its routes by a setting's word and refuses any other,
#: quoting it; init was refused after a build ("Unsupported BOT_TYPE: ci-...").
BY_WORD = (
    "if settings.BOT_TYPE == 'line':\n    pass\nelif settings.BOT_TYPE == \"telegram\":\n    pass\n"
    "else:\n    raise ValueError(f'Unsupported BOT_TYPE: {settings.BOT_TYPE}')\n"
)
BY_MODE = "if env == 'prod':\n    x = 1\nif ENV == 'dev':\n    x = 2\n"
WORDS_MADE_UP = {"BOT_TYPE": "ci-0123456789abcdef", "APP_ENV": "ci-5d7becd33541b5282cd38ba22501079a"}


@pytest.mark.parametrize(
    ("words", "source", "values"),
    [
        ("ValueError: Unsupported BOT_TYPE: ci-0123456789abcdef", BY_WORD, {"BOT_TYPE": "line"}),
        # a field under a prefix (APP_ENV's `env`); a local mode among the words is the one a throwaway stack runs in
        ("ValueError: unknown mode ci-5d7becd33541b5282cd38ba22501079a", BY_MODE, {"APP_ENV": "dev"}),
        ("ValueError: Unsupported BOT_TYPE", BY_WORD, {}),  # no made-up value quoted: not its refusal
        ("ValueError: Unsupported: ci-0123456789abcdef", "if other_key == 'line':\n    pass\n", {}),  # compared, not it
    ],
)
def test_a_made_up_value_an_apps_own_check_quotes_gets_a_word_the_code_compares_it_with(words, source, values):
    assert compared_with(words, WORDS_MADE_UP, source) == values
