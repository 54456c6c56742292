"""How the stack runs the repository's worker: its command line, and its own health check."""

from __future__ import annotations

from fastapi_stackops.adopt.interpreter import minor_of

#: arq's worker asks asyncio for the main thread's loop, which Python 3.14 no longer makes ("There is no current
#: event loop in thread 'MainThread'", arq 0.26.3): there, its command line runs with one set first.
ARQ_WITH_A_LOOP = [
    "python",
    "-c",
    "import asyncio; asyncio.set_event_loop(asyncio.new_event_loop()); from arq.cli import cli; cli()",
]


def worker_command(command: str, python: str) -> list[str]:
    """The worker's command line, as the image's Python runs it."""
    words = command.split()
    if words[0] == "arq" and minor_of(python) >= 14:
        return [*ARQ_WITH_A_LOOP, *words[1:]]
    return words


def worker_healthcheck(command: str, broker: bool) -> str:
    """The worker's own health: arq's --check, celery's ping of this worker (the image's HTTP check does not apply).
    A Celery broker other than Redis or RabbitMQ (kombu's SQLAlchemy transport, say) may not carry a ping: then the worker's own
    process answering is all there is to tell (Compose's --wait refuses a service whose check is switched off)."""
    words = command.split()
    if words[0] == "celery" and not broker:
        test = '["CMD", "python", "-c", "import os; os.kill(1, 0)"]'
    elif words[0] == "arq":
        test = f'["CMD", "arq", "--check", "{words[1]}"]'
    else:
        # celery -A app, or celery --workdir folder -A app: all before the worker subcommand, which is no option's
        # value (an app may be called worker, or worker_config)
        named = (i for i, w in enumerate(words) if w == "worker" and words[i - 1] not in ("-A", "--app", "--workdir"))
        at = next(named, len(words))
        app = " ".join(words[:at])
        test = f'["CMD-SHELL", "{app} inspect ping --destination celery@$$HOSTNAME"]'
    return f"    healthcheck:\n      test: {test}\n      interval: 5s\n      timeout: 10s\n      start_period: 20s\n"
