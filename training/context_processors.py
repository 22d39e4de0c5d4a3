"""The training banner and the Exercises menu entry, on a training installation only."""

from __future__ import annotations

from ilp_platform.core import training


def training_installation(request) -> dict:
    return {"training_installation": training.is_training()}
