"""How the kernel, the audit log and the web layer name a person in their type annotations.

The project's user model (``ilp_platform.accounts.models.User``) lives in the accounts app,
above these layers, which must not import it (``tests/core/test_layers.py``). They name people
by what Django's own classes promise instead: the user model derives from ``AbstractUser``
(active flag, username, permissions), and a request may come from ``AnonymousUser``. The apps
from accounts up annotate with ``User`` itself.

Types only: nothing here exists at run time.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from typing import TypeAlias

    from django.contrib.auth.models import AbstractUser, AnonymousUser

    # A signed-in person (the project's ``User`` is one).
    Person: TypeAlias = AbstractUser
    # Whom records are read for: a person, an anonymous visitor, or nobody (``None``).
    Reader: TypeAlias = AbstractUser | AnonymousUser | None
