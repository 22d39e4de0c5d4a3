"""Who is acting, from where, and why: carried through a request or a job in a context variable.

The middleware fills it for web requests; Celery tasks fill it from their job row. The audit
trail reads it, so an event always knows its actor, request id, address and justification.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ilp_platform.core.people import Reader


@dataclass(frozen=True)
class ActionContext:
    request_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    user: Reader = None
    ip: str | None = None
    user_agent: str = ""
    justification: str = ""
    # The purpose the justification names, as "kind:id" ("operation:12"), or "".
    purpose: str = ""
    via: str = "system"  # web, api, job, command, system


_current: ContextVar[ActionContext | None] = ContextVar("ilp_action_context", default=None)


def current() -> ActionContext:
    ctx = _current.get()
    return ctx if ctx is not None else ActionContext()


@contextlib.contextmanager
def acting(**values: Any) -> Iterator[ActionContext]:
    """Run a block with the given context values layered over the current ones."""
    base = _current.get() or ActionContext()
    token = _current.set(replace(base, **values))
    try:
        yield current()
    finally:
        _current.reset(token)


def set_justification(text: str, purpose: str = "") -> None:
    _current.set(replace(current(), justification=text, purpose=purpose))


def split_purpose(purpose: str) -> tuple[str, int | None]:
    """ "operation:12" -> ("operation", 12); anything else -> ("", None)."""
    kind, _, pk = purpose.partition(":")
    if kind and pk.isdigit():
        return kind, int(pk)
    return "", None


def set_user(user: Reader) -> None:
    """Name the actor once authentication is known (API authentication happens in the view)."""
    _current.set(replace(current(), user=user))
