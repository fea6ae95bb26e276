"""Keep one backend process alive between requests (model loading is the slow part).

A new process is started when none runs, the previous one died, or the settings
changed. `shutdown()` runs on unregister and at interpreter exit. No bpy here.
"""

from __future__ import annotations

import atexit
import logging
from dataclasses import dataclass
from pathlib import Path

from . import backend_locator
from .client import BackendClient, BackendSettings

log = logging.getLogger(__name__)


@dataclass
class _Session:
    client: BackendClient | None = None


_session = _Session()


def acquire(settings: BackendSettings) -> BackendClient:
    """A running client for `settings`, reusing the current one when it matches."""
    current = _session.client
    if current is not None and current.alive and current.settings == settings:
        return current
    if current is not None:
        current.close(timeout=2.0)
        _session.client = None
    protocol = backend_locator.load_backend_module("protocol", Path(settings.backend_dir))
    client = BackendClient(settings=settings, protocol=protocol)
    client.start()
    _session.client = client
    return client


def current() -> BackendClient | None:
    """The running client, if any (for tests and status display)."""
    client = _session.client
    return client if client is not None and client.alive else None


def discard(client: BackendClient) -> None:
    """Stop `client` now (after a failure or cancel) so the next request starts afresh."""
    client.kill()
    if _session.client is client:
        _session.client = None


def shutdown() -> None:
    """Stop the running backend, politely first."""
    client, _session.client = _session.client, None
    if client is not None:
        log.info("stopping the backend (pid %s)", client.pid)
        client.close(timeout=3.0)


atexit.register(shutdown)
