"""Demo data for data-subject requests: a person, Morgan Ashdown (born 1988-03-14), named in a
report of ``general`` and in a report of ``restricted``, so the officer's subject search finds
records in two compartments. Built through the intelligence services (reports written by the
officer and the handler, evaluated and linked by the analyst). Skipped when the person exists;
no request is registered (the officer registers it)."""

from __future__ import annotations

from datetime import date

from ilp_platform.accounts.models import Compartment, User
from ilp_platform.core import context
from ilp_platform.core.seeding import register
from intelligence.models import Entity
from intelligence.services.entities import create_entity, link_entity_to_report
from intelligence.services.reports import create_report, evaluate_report

NAME = "Morgan Ashdown"
BORN = date(1988, 3, 14)
GRADING = {
    "grading_scheme": "3x5x2",
    "source_evaluation": "2",
    "intelligence_assessment": "B",
    "handling_code": "P",
    "handling_conditions": "",
}
STORIES = {
    "general": (
        "officer",
        "Morgan Ashdown was seen collecting parcels at a lock-up on Church Road, Easton.",
        "A man was seen collecting parcels at a lock-up on Church Road, Easton.",
        "witness",
    ),
    "restricted": (
        "handler",
        "Source reports Morgan Ashdown drives for the Nightjar supply network on Fridays.",
        "Morgan Ashdown is reported to drive for a supply network on Fridays.",
        "suspect",
    ),
}


@register(95, "subjectrequests")
def seed_subject_requests(command) -> None:
    if Entity.objects.filter(name=NAME).exists():
        command.stdout.write("  data-subject demo person present; skipped")
        return
    users = {
        u.username: u for u in User.objects.filter(username__in=["officer", "handler", "analyst"])
    }
    analyst = users["analyst"]
    for slug, (author, text, sanitised, category) in STORIES.items():
        compartment = Compartment.objects.get(slug=slug)
        with context.acting(user=analyst, justification="demo data seeding"):
            person = create_entity(
                actor=analyst,
                data={
                    "kind": "person",
                    "name": NAME,
                    "date_of_birth": BORN,
                    "description": "Known to drive a grey van.",
                    "compartment": compartment,
                },
                allow_duplicate=True,
            )
        writer = users[author]
        with context.acting(user=writer, justification="demo data seeding"):
            report = create_report(
                actor=writer,
                data={**GRADING, "compartment": compartment, "text": text, "source": None},
                submit=True,
            )
        with context.acting(user=analyst, justification="demo data seeding"):
            evaluate_report(report, actor=analyst, grading_data={}, sanitised_text=sanitised)
            link_entity_to_report(report, person, actor=analyst, subject_category=category)
    command.stdout.write("  data-subject demo person: named in general and restricted")
