"""Demo data: each app registers a seeding step; ``manage.py seed_demo`` runs them in order.

Steps must be idempotent: running the command twice leaves the same data.
"""

from __future__ import annotations

from collections.abc import Callable

SeedStep = Callable[[object], None]  # receives the command, for its stdout and options
_steps: list[tuple[int, str, SeedStep]] = []


def register(order: int, name: str) -> Callable[[SeedStep], SeedStep]:
    def decorator(step: SeedStep) -> SeedStep:
        if all(existing != name for _, existing, _ in _steps):
            _steps.append((order, name, step))
        return step

    return decorator


def steps() -> list[tuple[int, str, SeedStep]]:
    return sorted(_steps, key=lambda item: item[0])
