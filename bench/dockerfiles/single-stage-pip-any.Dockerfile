# Baseline for `inv bench`'s images section: the single-stage image a user of
# one of init's shapes writes without it, on the same base: the checkout, then
# into a venv (Debian's python3 refuses system-wide installs, PEP 668) pip
# installs its requirements file, or poetry its lock (pip installs poetry
# first, as such a Dockerfile does), or else pip the project itself.
ARG PYTHON_BASE=python:3.11-slim-bookworm
FROM ${PYTHON_BASE}
# What the shape's dependencies compile against, as such a Dockerfile installs
# it (psycopg2 from source: a compiler and libpq's headers), kept in the image.
ARG SYSTEM_PACKAGES=""
# hadolint ignore=DL3008
RUN if [ -n "$SYSTEM_PACKAGES" ]; then apt-get update -q \
    && apt-get install -y -q --no-install-recommends $SYSTEM_PACKAGES && rm -rf /var/lib/apt/lists/*; fi
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1 PATH=/opt/venv/bin:$PATH
WORKDIR /srv
COPY . /srv/
RUN --mount=type=secret,id=ca_bundle \
    if [ -s /run/secrets/ca_bundle ]; then export PIP_CERT=/run/secrets/ca_bundle REQUESTS_CA_BUNDLE=/run/secrets/ca_bundle; fi \
    && python3 -m venv /opt/venv \
    && if [ -f requirements.txt ]; then pip install -r requirements.txt; \
       elif [ -f poetry.lock ]; then pip install poetry && poetry config virtualenvs.create false \
         && poetry install --only main --no-root --no-interaction; \
       else pip install .; fi
CMD ["python", "-c", "print('a baseline for its size and build times; never run')"]
