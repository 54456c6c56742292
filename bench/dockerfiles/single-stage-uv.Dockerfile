# Baseline for `inv bench`: a single-stage uv image in the manner of
# fastapi/full-stack-fastapi-template (uv in the image, bytecode compiled by
# uv), on the same base. uv comes from PyPI: no registry holds its image here.
ARG PYTHON_BASE=python:3.11-slim-bookworm
FROM ${PYTHON_BASE}
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1 UV_COMPILE_BYTECODE=1 UV_NO_CACHE=1 \
    UV_PYTHON_DOWNLOADS=never PATH=/app/.venv/bin:/opt/uv/bin:$PATH
WORKDIR /app
COPY requirements/build.lock /tmp/build.lock
RUN --mount=type=secret,id=ca_bundle \
    if [ -s /run/secrets/ca_bundle ]; then export PIP_CERT=/run/secrets/ca_bundle; fi \
    && python3 -m venv /opt/uv && pip install -q -r /tmp/build.lock
COPY requirements/service.lock requirements.txt
RUN --mount=type=secret,id=ca_bundle \
    if [ -s /run/secrets/ca_bundle ]; then export SSL_CERT_FILE=/run/secrets/ca_bundle; fi \
    && uv venv /app/.venv && uv pip install --python /app/.venv/bin/python -r requirements.txt
COPY app/ app/
CMD ["uvicorn", "--factory", "app.main:create_app", "--host", "0.0.0.0"]
