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
