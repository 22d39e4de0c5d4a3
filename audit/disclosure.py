"""What a record's handling code allows when it is disseminated outside the unit.

Records that can be disclosed (reports, products) implement ``disclosure_rules()`` returning
:class:`DisclosureRules`; the audit app checks them without knowing the record's type.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DisclosureRules:
    handling_code: str
    blocked_reason: str = ""  # non-empty: external dissemination is forbidden, and why
    conditions: str = ""  # handling conditions the discloser must acknowledge
    needs_provider_permission: bool = False  # e.g. Europol H2
