"""Errors the services raise that every page and endpoint knows how to answer."""

from __future__ import annotations


class StateConflict(Exception):
    """The record's state forbids the change (a closed meeting's decisions, a product in
    review): the API answers 409, a page shows the reason."""

    def __init__(self, message: str, field: str = "non_field_errors"):
        super().__init__(message)
        self.message = message
        self.field = field

    @property
    def message_dict(self) -> dict[str, list[str]]:
        return {self.field: [self.message]}


class MisuseError(ValueError):
    """A call the code itself forbids (arguments that do not fit together, a name that is not
    one of ours, an invariant broken): a developer's mistake, for the logs. Its message is never
    shown to a reader, so it is not translated."""
