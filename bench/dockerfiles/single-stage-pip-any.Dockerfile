# Baseline for `inv bench`'s images section: the single-stage image a user of
# one of init's shapes writes without it, on the same base: the checkout, then
# pip installs its requirements file, or else the project itself, into a venv
# (Debian's python3 refuses system-wide installs, PEP 668).
ARG PYTHON_BASE=python:3.11-slim-bookworm
FROM ${PYTHON_BASE}
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1 PATH=/opt/venv/bin:$PATH
WORKDIR /srv
COPY . /srv/
RUN --mount=type=secret,id=ca_bundle \
    if [ -s /run/secrets/ca_bundle ]; then export PIP_CERT=/run/secrets/ca_bundle; fi \
    && python3 -m venv /opt/venv \
    && if [ -f requirements.txt ]; then pip install -r requirements.txt; else pip install .; fi
CMD ["python", "-c", "print('a baseline for its size and build times; never run')"]
