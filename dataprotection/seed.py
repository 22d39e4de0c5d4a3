"""Demo data: the baseline records of processing (normally loaded by ``migrate`` already)."""

from __future__ import annotations

from dataprotection import baseline
from ilp_platform.core.seeding import register


@register(90, "dataprotection")
def seed_dataprotection(command) -> None:
    created = baseline.load()
    command.stdout.write(f"  records of processing: {len(created)} created from the baseline")
