"""One task's stack: an env's settings, its Compose model rendered once, and one snapshot of its containers at a time.

Every part of a task asks this object rather than rendering the files or
listing the engine's containers again: the model is rendered (and checked
against the contract) on first use, and the snapshot is taken on first use
and again only after the task changed the stack or asks to look anew.
"""

from __future__ import annotations

import functools
import subprocess
from collections.abc import Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor

from fastapi_stackops.baseimages import ensure_base_images
from fastapi_stackops.commands import Background
from fastapi_stackops.compose import ComposeModel, render, require_service, run_compose, start_compose
from fastapi_stackops.engine import connect, project_containers, service_of
from fastapi_stackops.engine_reads import LocalReads, local_socket
from fastapi_stackops.lazy import docker
from fastapi_stackops.ports import service_url
from fastapi_stackops.settings import StackSettings, load_settings


class Stack:
    def __init__(self, settings: StackSettings, client: docker.DockerClient | None = None):
        self.settings = settings
        self.config = settings.config
        self.project = settings.project
        self._client = client
        self._containers: list | None = None
        self._rendering: Future | None = None

    @classmethod
    def of_env(cls, env: str | None = None, config=None, client: docker.DockerClient | None = None) -> Stack:
        return cls(load_settings(env, config), client)

    @functools.cached_property
    def client(self) -> docker.DockerClient:
        return self._client or connect(self.settings.target.engine_address())

    @functools.cached_property
    def reader(self) -> docker.DockerClient:
        """The client reads go through: a local engine's containers and images are read with the standard library
        (engine_reads), and the SDK is made only for what else is asked (a write, logs, a failed read). `inv up` and
        `inv down` then import no SDK at all: it cost ~70 ms of CPU while Compose ran, and its teardown at exit."""
        if self._client or self.settings.target.remote:
            return self.client
        path = local_socket()
        return LocalReads(path, lambda: self.client) if path else self.client

    def render_ahead(self) -> Stack:
        """Start rendering the model (a Compose subprocess, ~0.1 s) while the task goes on: it overlaps the SDK's import
        and the engine's first answers. The first use of `model` waits for it, and raises what rendering raised."""
        pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="render")
        self._rendering = pool.submit(render, self.settings)
        pool.shutdown(wait=False)  # the one render still runs; its thread ends with it
        return self

    @functools.cached_property
    def model(self) -> ComposeModel:
        return self._rendering.result() if self._rendering else render(self.settings)

    @functools.cached_property
    def base_images(self) -> dict[str, str]:
        """The Compose variables naming the base images the stack's services need, made available (pulled, or local
        substitutes built) once per task, however many of its steps ask."""
        return ensure_base_images(self.settings, self.model, self.reader)

    def containers(self, service: str | None = None) -> list:
        """The project's containers (of one service) as the engine last showed them."""
        if self._containers is None:
            self._containers = project_containers(self.reader, self.project)
        return [c for c in self._containers if service is None or service_of(c) == service]

    def look_again(self) -> Stack:
        """Forget the snapshot: the next question lists the engine's containers anew."""
        self._containers = None
        return self

    def url(self, service: str | None = None) -> str:
        """http://host:port of a running service (default: the entry), from the port the engine published."""
        name = service or self.config.entry
        return service_url(self.settings, self.model, name, self.containers(name))

    def service(self, name: str | None) -> str:
        """A service this env starts (default: the entry), or one line listing them."""
        return require_service(self.model, name or self.config.entry)

    def compose(
        self, args: Sequence[str], extra_env: Mapping[str, str] | None = None, capture: bool = False, check: bool = True
    ) -> subprocess.CompletedProcess:
        """Run Compose on this stack; what it changed is looked at anew."""
        try:
            return run_compose(self.settings, args, extra_env, capture, check)
        finally:
            self.look_again()

    def start_compose(self, args: Sequence[str], extra_env: Mapping[str, str] | None = None, on_line=None) -> Background:
        self.look_again()
        return start_compose(self.settings, args, extra_env, on_line)
