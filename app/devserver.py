"""Development server: uvicorn reloading on edits, with the same JSON logs as production."""

import os

import uvicorn

from app.observability import logging_config

if __name__ == "__main__":
    uvicorn.run(
        "app.main:create_app",
        factory=True,
        host="0.0.0.0",
        port=int(os.environ.get("PORT", "8000")),
        reload=True,
        # One process: uvicorn would read WEB_CONCURRENCY (meant for gunicorn)
        # and warn at every start that reload ignores it.
        workers=1,
        reload_dirs=[os.path.dirname(__file__)],
        log_config=logging_config(os.environ.get("APP_LOG_LEVEL", "INFO").upper()),
        access_log=False,
    )
