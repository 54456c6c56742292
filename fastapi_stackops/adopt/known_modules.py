"""Modules init knows by name: which distribution installs each, which it adds to the image when no dependency does,
and which a library moved into a package of its own. Pure data."""

from __future__ import annotations

#: Modules whose distribution has another name: what to add is said by that name.
DISTRIBUTION_OF = dict(
    pair.split(":")
    for pair in (
        "pkg_resources:setuptools yaml:PyYAML jwt:PyJWT jose:python-jose dotenv:python-dotenv multipart:python-multipart "
        "dateutil:python-dateutil PIL:Pillow bs4:beautifulsoup4 sklearn:scikit-learn cv2:opencv-python-headless Crypto:pycryptodome "
        "email_validator:email-validator argon2:argon2-cffi pydantic_settings:pydantic-settings python_multipart:python-multipart "
        "slugify:python-slugify unidecode:Unidecode fastapi_cache:fastapi-cache2 psycopg2:psycopg2-binary pymysql:PyMySQL "
        "fastapi_users_db_sqlalchemy:fastapi-users-db-sqlalchemy psycopg:psycopg[binary] fastapi_mail:fastapi-mail"
    ).split()
)
#: Modules the code or a library it uses imports that init adds to the image when no dependency installs them (by
#: their distributions' names): each well known, so a module's name never sends pip to a stranger's package. The
#: database drivers too: a URL's scheme (postgresql+asyncpg) has SQLAlchemy import one the app never declared.
ADDED_WHEN_MISSING = frozenset(
    "email_validator multipart jinja2 itsdangerous dotenv pytz yaml jwt jose dateutil aiofiles passlib bcrypt argon2 "
    "toml greenlet httpx requests aiohttp boto3 stripe pydantic_settings python_multipart slugify unidecode "
    "setuptools pkg_resources fastapi_cache asyncpg psycopg psycopg2 pymysql aiomysql aiosqlite sqlmodel fastapi_users_db_sqlalchemy "
    # data libraries a dashboard imports and never declares (max-johnston77/fastapi-energy-dashboard's pandas)
    "pandas numpy sqlalchemy PIL bs4 openpyxl "
    # a developer's own helpers, installed by hand (jojo3420/fastapi-notification's config imports devtools' debug)
    "devtools loguru "
    # libraries installed by hand: FastAPI's mail one (martinromario55/FastAPI-Real-Estate-App's utils), and Flask's
    # werkzeug for its password hashes (bilolbek1/fastapi-pizza-delivery's auth routes)
    "fastapi_mail werkzeug".split()
)
#: Names a library exports only with a package of its own beside it, by the library's module and the name's start:
#: fastapi-users 10 and later moved its SQLAlchemy tables to fastapi-users-db-sqlalchemy (its `sqlalchemy` extra).
SPLIT_OUT = {("fastapi_users.db", "SQLAlchemy"): "fastapi_users_db_sqlalchemy"}
#: Standard-library modules a server's image lacks, with why and what to do: no pip package brings them back.
GUI = "the standard library's GUI toolkit, which a server's image leaves out: drop the import (editors add one unasked)"
STANDARD_BUT_ABSENT = {
    **dict.fromkeys(("tkinter", "turtle", "idlelib"), GUI),
    **dict.fromkeys(
        ("distutils", "imp", "asynchat", "asyncore", "smtpd"),
        "which Python 3.12 removed from the standard library: give init --python 3.11, or move the code off it",
    ),
    **dict.fromkeys(
        "aifc audioop cgi cgitb chunk crypt imghdr mailcap msilib nis nntplib ossaudiodev pipes sndhdr spwd sunau telnetlib "
        "uu xdrlib".split(),
        "which Python 3.13 removed from the standard library: give init --python 3.12, or move the code off it",
    ),
}
