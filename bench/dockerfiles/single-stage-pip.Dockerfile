# Baseline for `inv bench`: the single-stage image a service's plan starts
# from (`pip install -r requirements.txt`, then the code), on the same base.
# A venv because Debian's python3 refuses system-wide installs (PEP 668).
ARG PYTHON_BASE=python:3.11-slim-bookworm
FROM ${PYTHON_BASE}
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1 PATH=/opt/venv/bin:$PATH
WORKDIR /srv
COPY requirements/service.lock requirements.txt
RUN --mount=type=secret,id=ca_bundle \
    if [ -s /run/secrets/ca_bundle ]; then export PIP_CERT=/run/secrets/ca_bundle; fi \
    && python3 -m venv /opt/venv && pip install -r requirements.txt
COPY app/ app/
CMD ["uvicorn", "--factory", "app.main:create_app", "--host", "0.0.0.0"]
