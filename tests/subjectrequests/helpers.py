"""Building data-subject requests the way the officer does: through the services."""

from __future__ import annotations

from datetime import date

from ilp_platform.core import context
from subjectrequests import services
from tests.intelligence.helpers import as_user, make_entity, make_report

NAME = "Morgan Ashdown"
BORN = date(1988, 3, 14)


def officer(world):
    return context.acting(user=world.oversight, justification="")


def register(world, kind="access", received=None, **data):
    with officer(world):
        return services.register_request(
            actor=world.oversight,
            data={
                "kind": kind,
                "subject_name": NAME,
                "date_of_birth": BORN,
                "received_on": received or date.today(),
                "identity_method": "Passport seen at the front counter",
                "identity_checked_by": "PC 123 Jones",
                "identity_checked_on": received or date.today(),
                **data,
            },
        )


def named_in_two_compartments(world):
    """The person as an entity of each compartment, each named in a report of it."""
    found = {}
    for compartment, text in (
        (world.general, "Morgan Ashdown collected parcels at the lock-up."),
        (world.restricted, "ZZHIDDEN Morgan Ashdown drives for the network."),
    ):
        person = make_entity(world, compartment, name=NAME, date_of_birth=BORN)
        report = make_report(world, compartment, text=text, sanitised=text)
        from intelligence.services.entities import link_entity_to_report

        with as_user(world.analyst):
            link_entity_to_report(report, person, actor=world.analyst, subject_category="suspect")
        found[compartment.slug] = (person, report)
    return found


def search(world, request):
    with officer(world):
        return services.run_search(request, actor=world.oversight)
