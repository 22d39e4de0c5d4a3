"""A small publish/subscribe hook: services say what happened, other parts of the platform
react once the change is committed.

The domain apps import no app above them (``docs/architecture.md``), so a service cannot call
the notifications app; it calls :func:`publish` instead, and whoever cares subscribes in its
``AppConfig.ready``. Handlers run with ``transaction.on_commit``: after the service's
transaction commits, never when it rolls back (outside a transaction, at once). A handler's
failure is logged and goes no further: it never breaks the service, nor the other handlers.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from django.db import transaction

logger = logging.getLogger(__name__)

Handler = Callable[..., Any]

_subscribers: defaultdict[str, list[Handler]] = defaultdict(list)


def subscribe(name: str, handler: Handler) -> None:
    """Run ``handler(**payload)`` after each committed ``publish(name, **payload)``. The same
    handler subscribed twice runs once."""
    if handler not in _subscribers[name]:
        _subscribers[name].append(handler)


def unsubscribe(name: str, handler: Handler) -> None:
    if handler in _subscribers.get(name, []):
        _subscribers[name].remove(handler)


def subscribers(name: str) -> list[Handler]:
    return list(_subscribers.get(name, []))


def _run(name: str, handler: Handler, payload: dict[str, Any]) -> None:
    try:
        handler(**payload)
    except Exception:  # a subscriber's failure never reaches the service
        logger.exception("event %s: handler %r failed", name, handler)


def publish(name: str, **payload: Any) -> None:
    """Announce ``name``; each subscriber runs with ``payload`` once the current transaction
    commits (nothing runs if it rolls back)."""
    for handler in subscribers(name):
        transaction.on_commit(
            lambda handler=handler: _run(name, handler, payload)  # type: ignore[misc]
        )
