"""Authentication settings read from the environment that need more than ``ilp_platform.env``.

Imported by ``ilp_platform.settings``: nothing here may import models.
"""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured

from ilp_platform.env import env_str


def env_minutes_ladder(name: str, default: list[int]) -> tuple[int, ...]:
    """A comma-separated list of whole minutes, each at least 1 and none below the one before.

    ``1,5,15,60``: the first lockout waits 1 minute, the second 5, the third 15, every later
    one 60. A malformed value stops start-up with one line naming the variable.
    """
    raw = env_str(name, "")
    if raw.strip() == "":
        return tuple(default)
    try:
        values = tuple(int(part) for part in raw.split(","))
    except ValueError:
        values = ()
    if not values or min(values) < 1 or list(values) != sorted(values):
        raise ImproperlyConfigured(
            f"{name}={raw!r} must be whole numbers of minutes separated by commas, each at "
            "least 1 and none smaller than the one before it (for example 1,5,15,60)"
        )
    return values
