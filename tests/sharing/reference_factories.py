"""The sharing app's factories for the reference-leak test (shapes of
``tests.security.references``): a share of ``general`` whose references the test points at
records of ``restricted``."""

from __future__ import annotations


def _general_share(world):
    from tests.intelligence.helpers import make_report
    from tests.sharing.helpers import build_levels, share

    levels = build_levels(world)
    report = make_report(world, world.general, text="General original", sanitised="General text")
    return share(report, world.analyst, levels.national)


GENERAL = {"sharing.share": _general_share}
GENERAL_WITH: dict = {}
HIDDEN: dict = {}
