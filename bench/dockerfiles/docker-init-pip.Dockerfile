# Baseline for `inv bench`: the shape `docker init` writes for a Python
# project (one stage; a non-root user; pip installs requirements.txt,
# mounted for the step, with pip's cache on a cache mount; then the code),
# written here for the reference service, on the same base.
ARG PYTHON_BASE=python:3.11-slim-bookworm
FROM ${PYTHON_BASE}
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app
RUN useradd --no-create-home --shell /usr/sbin/nologin --uid 10001 appuser
RUN --mount=type=cache,target=/root/.cache/pip \
    --mount=type=bind,source=requirements/service.lock,target=requirements.txt \
    --mount=type=secret,id=ca_bundle \
    if [ -s /run/secrets/ca_bundle ]; then export PIP_CERT=/run/secrets/ca_bundle; fi \
    && python -m pip install -r requirements.txt
USER appuser
COPY app/ app/
EXPOSE 8000
CMD ["uvicorn", "--factory", "app.main:create_app", "--host", "0.0.0.0", "--port", "8000"]
