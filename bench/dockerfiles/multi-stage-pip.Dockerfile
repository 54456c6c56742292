# Baseline for `inv bench`: docker/Dockerfile's runtime image as it was built
# with pip in its builder stage, before uv replaced it (kept because faster).
ARG PYTHON_BASE=python:3.11-slim-bookworm
FROM ${PYTHON_BASE} AS builder
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1 PYTHONDONTWRITEBYTECODE=1
RUN python3 -m venv /opt/venv
COPY requirements/service.lock /tmp/service.lock
RUN --mount=type=secret,id=ca_bundle \
    if [ -s /run/secrets/ca_bundle ]; then export PIP_CERT=/run/secrets/ca_bundle; fi \
    && /opt/venv/bin/pip install --no-compile -r /tmp/service.lock \
    && /opt/venv/bin/pip uninstall -q -y pip setuptools \
    && find /opt/venv/lib -depth -type d -path '*/site-packages/*/tests' -exec rm -rf {} + \
    && /opt/venv/bin/python -m compileall -q -j 0 /opt/venv/lib

FROM ${PYTHON_BASE}
RUN echo 'app:x:10001:10001:app:/nonexistent:/usr/sbin/nologin' >> /etc/passwd \
    && echo 'app:x:10001:' >> /etc/group && mkdir -p /data && chown 10001:10001 /data
ENV PATH=/opt/venv/bin:$PATH PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1
WORKDIR /srv
COPY --from=builder /opt/venv /opt/venv
COPY docker/entrypoint.sh /usr/local/bin/entrypoint.sh
COPY app/ /srv/app/
RUN python -m compileall -q /srv/app
USER 10001:10001
ENTRYPOINT ["/usr/local/bin/entrypoint.sh"]
CMD ["gunicorn", "--config", "python:app.gunicorn_conf", "app.main:create_app()"]
