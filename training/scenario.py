"""The fictional training scenario: the town of Riverside, its units, people and intelligence.

Everything here is invented. Every text the scenario writes (report narratives, titles, names
of places) is in English and marked for translation; :func:`load` writes it in the language
given, so a workshop in French gets a French scenario once the catalogues are translated.

What it holds:

- three units: Riverside local police (local), the Eastern region's intelligence unit
  (regional) and the national intelligence centre (national), each with a compartment;
- the trainees, one per role: ``trainee_officer``, ``trainee_analyst``, ``trainee_manager``,
  ``trainee_dpo`` (the data-protection officer, the oversight role), and the ``trainer``
  (analyst and manager, sees every trainee's progress); ``pc_rowe``, a fictional colleague who
  wrote the scenario's reports;
- a burglary series: twelve dwelling burglaries within about 300 m of Millbrook Green over
  three weeks, among 240 background incidents spread over the town and six months, so the
  hotspot and near-repeat jobs find it;
- four reports from sources awaiting evaluation (the series seen from the street), and three
  evaluated reports for background;
- a tactical tasking-and-co-ordination meeting, open, with a candidate priority (burglary in
  Millbrook) not yet scored;
- a person, Dario Vell, named in one report, and his access request registered with the
  data-protection officer, to be searched, decided and answered.
"""

from __future__ import annotations

import math
import random
from datetime import date, timedelta

from django.contrib.auth.models import Group
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from guardian.shortcuts import assign_perm

from audit import services as audit
from audit.choices import Action
from ilp_platform.accounts.choices import Role
from ilp_platform.accounts.models import Compartment, Unit, UnitLevel, User
from ilp_platform.accounts.seed import ensure_user
from ilp_platform.core import context
from intelligence.choices import EntityKind, IncidentOrigin, SourceType, SubjectCategory
from intelligence.models import CrimeType, Incident, Report, Source
from intelligence.services.entities import create_entity, link_entity_to_report
from intelligence.services.reports import create_report, evaluate_report
from subjectrequests.services import register_request
from tasking import services as tasking
from tasking.choices import MeetingKind, SubjectKind
from training.models import Installation

JUSTIFICATION = "training scenario"
SEED = 20261207
CENTRE = (45.32, 14.44)  # the fictional town of Riverside
SERIES_CENTRE = (45.327, 14.452)  # Millbrook Green
HALF_SIDE_KM = 4.0
SERIES_SIZE = 12
BACKGROUND_INCIDENTS = 240

# code, name, level, parent code, compartment slug, compartment name
UNITS = [
    (
        "trn-national",
        gettext_noop("National intelligence centre (training)"),
        UnitLevel.NATIONAL,
        None,
        "training-national",
        gettext_noop("National (training)"),
    ),
    (
        "trn-region",
        gettext_noop("Eastern region intelligence unit (training)"),
        UnitLevel.REGIONAL,
        "trn-national",
        "training-region",
        gettext_noop("Eastern region (training)"),
    ),
    (
        "trn-local",
        gettext_noop("Riverside local police (training)"),
        UnitLevel.LOCAL,
        "trn-region",
        "training-local",
        gettext_noop("Riverside (training)"),
    ),
]
# username, first, last, roles, unit code, compartments held
TRAINEES = [
    ("trainee_officer", "Tomas", "Trainee", [Role.OFFICER], "trn-local", ["training-local"]),
    ("trainee_analyst", "Alba", "Trainee", [Role.ANALYST], "trn-local", ["training-local"]),
    ("trainee_manager", "Marek", "Trainee", [Role.MANAGER], "trn-local", ["training-local"]),
    ("trainee_dpo", "Dana", "Trainee", [Role.OVERSIGHT], "trn-region", []),
]
SUPPORT = [
    (
        "trainer",
        "Teodora",
        "Trainer",
        [Role.ANALYST, Role.MANAGER],
        "trn-region",
        ["training-local", "training-region", "training-national"],
    ),
    ("pc_rowe", "Robin", "Rowe", [Role.OFFICER], "trn-local", ["training-local"]),
]
TRAINEE_NAMES = [row[0] for row in TRAINEES]

AREAS = [
    gettext_noop("Millbrook"),
    gettext_noop("Old Harbour"),
    gettext_noop("Castle Hill"),
    gettext_noop("Northgate"),
    gettext_noop("Lindenfeld"),
    gettext_noop("Station Quarter"),
]
STREETS = [
    gettext_noop("Millbrook Green"),
    gettext_noop("Willow Lane"),
    gettext_noop("Ferry Road"),
    gettext_noop("Chapel Row"),
    gettext_noop("Orchard Street"),
    gettext_noop("Tanners Walk"),
]
SOURCES = [
    ("TRN-SRC-01", SourceType.PUBLIC),
    ("TRN-SRC-02", SourceType.COVERT_HUMAN),
    ("TRN-SRC-03", SourceType.PARTNER),
]
# (source index, text, place) of the reports awaiting evaluation: the series seen from the street.
UNGRADED = [
    (
        0,
        gettext_noop(
            "A resident of Willow Lane, Millbrook, saw two young men in dark hoodies trying the "
            "back gates of houses at about 3 pm on a weekday; they left in a small white van."
        ),
        gettext_noop("Willow Lane, Millbrook"),
    ),
    (
        1,
        gettext_noop(
            "Source says a man called Dario Vell is selling laptops and jewellery from the boot of "
            "a white van outside the Anchor pub on Ferry Road, at low prices, most evenings."
        ),
        gettext_noop("Ferry Road, Old Harbour"),
    ),
    (
        2,
        gettext_noop(
            "The housing association reports three tenants on Millbrook Green found rear windows "
            "forced while they were at work this month; nothing was taken from one of them."
        ),
        gettext_noop("Millbrook Green, Millbrook"),
    ),
    (
        1,
        gettext_noop(
            "Source heard that the people doing the Millbrook burglaries watch the school run "
            "and go in when the parents leave, always in daylight."
        ),
        gettext_noop("Millbrook"),
    ),
]
EVALUATED = [
    (
        gettext_noop(
            "Residents of Castle Hill complain of groups gathering nightly by the old fountain, "
            "playing loud music."
        ),
        gettext_noop("Groups gather nightly by the old fountain on Castle Hill."),
        gettext_noop("Castle Hill"),
    ),
    (
        gettext_noop(
            "Pedal cycles are being stolen from the racks at Riverside station, mostly in the "
            "morning rush."
        ),
        gettext_noop("Pedal cycles are stolen from the station racks in the morning rush."),
        gettext_noop("Station Quarter"),
    ),
    (
        gettext_noop(
            "A second-hand shop on Orchard Street buys phones without asking for identification."
        ),
        gettext_noop("A shop on Orchard Street buys phones without identification."),
        gettext_noop("Orchard Street, Northgate"),
    ),
]
PERSON = ("Dario Vell", (1991, 6, 2))
MEETING_TITLE = gettext_noop("Tactical tasking and co-ordination (training): Riverside")
PRIORITY_TITLE = gettext_noop("Dwelling burglary in Millbrook")
GRADING = {
    "grading_scheme": "3x5x2",
    "source_evaluation": "2",
    "intelligence_assessment": "C",
    "handling_code": "P",
    "handling_conditions": "",
}


def _as(user: User):
    return context.acting(user=user, justification=JUSTIFICATION)


def _point(rng: random.Random, centre, spread_km: float, uniform: bool) -> tuple[float, float]:
    km_lat = 1 / 111.0
    km_lon = 1 / (111.0 * math.cos(math.radians(CENTRE[0])))
    if uniform:
        dy, dx = rng.uniform(-spread_km, spread_km), rng.uniform(-spread_km, spread_km)
    else:
        dy, dx = rng.gauss(0, spread_km), rng.gauss(0, spread_km)
    return round(centre[0] + dy * km_lat, 6), round(centre[1] + dx * km_lon, 6)


def _structure(password: str, password_given: bool) -> dict[str, User]:
    units: dict[str, Unit] = {}
    compartments: dict[str, Compartment] = {}
    for code, name, level, parent, slug, compartment_name in UNITS:
        units[code], _created = Unit.objects.get_or_create(
            code=code,
            defaults={"name": _(name), "level": level, "parent": units.get(parent or "")},
        )
        compartments[slug], _created = Compartment.objects.get_or_create(
            slug=slug,
            defaults={
                "name": _(compartment_name),
                "unit": units[code],
                "description": _("Fictional data of the training scenario."),
            },
        )
    people = {}
    for username, first, last, roles, unit, held in TRAINEES + SUPPORT:
        user = ensure_user(
            username,
            first,
            last,
            roles[0],
            units[unit],
            password=password,
            password_given=password_given,
        )
        for role in roles[1:]:
            user.groups.add(Group.objects.get(name=role))
        for slug in held:
            assign_perm("view_compartment", user, compartments[slug])
        people[username] = user
    assign_perm("training.view_all_progress", people["trainer"])
    return people


def _incidents(rng: random.Random) -> int:
    crime = {c.slug: c for c in CrimeType.objects.all()}
    compartment = Compartment.objects.get(slug="training-local")
    now = timezone.now()
    rows = []
    series_start = now - timedelta(days=30)
    for n in range(SERIES_SIZE):
        lat, lon = _point(rng, SERIES_CENTRE, 0.12, uniform=False)
        start = (series_start + timedelta(days=n * 21 / SERIES_SIZE)).replace(
            hour=rng.randint(9, 15), minute=rng.randint(0, 59), second=0, microsecond=0
        )
        street = rng.choice(STREETS[:2])
        rows.append(
            Incident(
                reference=f"TRN-{n + 1:04d}",
                crime_type=crime["burglary"],
                occurred_from=start,
                occurred_to=start + timedelta(hours=rng.randint(1, 4)),
                latitude=lat,
                longitude=lon,
                address=f"{rng.randint(1, 60)} {_(street)}, {_(AREAS[0])}",
                compartment=compartment,
                origin=IncidentOrigin.PUBLIC,
            )
        )
    kinds = ["burglary", "vehicle-crime", "violence", "asb", "robbery", "drugs"]
    weights = [20, 20, 20, 25, 5, 10]
    for n in range(BACKGROUND_INCIDENTS):
        slug = rng.choices(kinds, weights)[0]
        lat, lon = _point(rng, CENTRE, HALF_SIDE_KM, uniform=True)
        start = (now - timedelta(days=rng.uniform(0, 180))).replace(second=0, microsecond=0)
        rows.append(
            Incident(
                reference=f"TRN-{SERIES_SIZE + n + 1:04d}",
                crime_type=crime[slug],
                occurred_from=start,
                occurred_to=start + timedelta(hours=rng.randint(1, 8))
                if slug == "burglary"
                else None,
                latitude=lat,
                longitude=lon,
                address=f"{rng.randint(1, 120)} {_(rng.choice(STREETS))}, {_(rng.choice(AREAS))}",
                compartment=compartment,
                origin=IncidentOrigin.POLICE if slug == "drugs" else IncidentOrigin.PUBLIC,
            )
        )
    Incident.objects.bulk_create(rows, batch_size=500)
    audit.record(
        Action.CREATE,
        object_type="intelligence.incident",
        object_repr="training scenario",
        details={"seeded": len(rows), "bulk": True},
    )
    return len(rows)


def _reports(rng: random.Random, people: dict[str, User]) -> dict:
    compartment = Compartment.objects.get(slug="training-local")
    colleague, trainer = people["pc_rowe"], people["trainer"]
    sources = []
    for reference, source_type in SOURCES:
        source = Source.objects.create(
            reference=reference,
            source_type=source_type,
            compartment=compartment,
            created_by=trainer,
        )
        audit.record(Action.CREATE, obj=source, details={"seeded": "training scenario"})
        sources.append(source)
    now = timezone.now()
    ungraded = []
    for index, (source_index, text, place) in enumerate(UNGRADED):
        lat, lon = _point(rng, SERIES_CENTRE, 0.2, uniform=False)
        # Written by the trainer (who handles the sources' reports), graded by the trainee.
        with _as(trainer):
            report = create_report(
                actor=trainer,
                data={
                    **GRADING,
                    "compartment": compartment,
                    "source": sources[source_index],
                    "text": _(text),
                    "place_name": _(place),
                    "latitude": lat,
                    "longitude": lon,
                    "occurred_at": now - timedelta(days=3 + 4 * index),
                },
                submit=True,
            )
        ungraded.append(report.pk)
    for text, sanitised, place in EVALUATED:
        with _as(colleague):
            report = create_report(
                actor=colleague,
                data={
                    **GRADING,
                    "compartment": compartment,
                    "source": None,
                    "text": _(text),
                    "place_name": _(place),
                    "occurred_at": now - timedelta(days=rng.randint(20, 60)),
                },
                submit=True,
            )
        with _as(trainer):
            evaluate_report(report, actor=trainer, grading_data={}, sanitised_text=_(sanitised))
    # The person of the access request, named (as a suspect) in the source's report about him.
    named = Report.objects.get(pk=ungraded[1])
    name, (year, month, day) = PERSON
    with _as(trainer):
        person = create_entity(
            actor=trainer,
            data={
                "kind": EntityKind.PERSON,
                "name": name,
                "date_of_birth": date(year, month, day),
                "description": _("Drives a small white van."),
                "compartment": compartment,
            },
            allow_duplicate=True,
        )
        link_entity_to_report(
            named, person, actor=trainer, subject_category=SubjectCategory.SUSPECT
        )
    return {"ungraded_reports": ungraded, "person": person.pk, "sources": [s.pk for s in sources]}


def _meeting(people: dict[str, User]) -> dict:
    compartment = Compartment.objects.get(slug="training-local")
    trainer = people["trainer"]
    with _as(trainer):
        meeting = tasking.create_meeting(
            actor=trainer,
            data={
                "kind": MeetingKind.TACTICAL,
                "title": _(MEETING_TITLE),
                "scheduled_for": timezone.now() + timedelta(hours=1),
                "location": _("Riverside police station, briefing room"),
                "chair": people["trainee_manager"],
                "compartment": compartment,
            },
            attendees=[people["trainee_manager"], people["trainee_analyst"], trainer],
        )
        tasking.open_meeting(meeting, actor=trainer)
        priority = tasking.propose_priority(
            actor=trainer,
            data={
                "title": _(PRIORITY_TITLE),
                "compartment": compartment,
                "subject_kind": SubjectKind.CRIME_TYPE,
                "crime_type": CrimeType.objects.get(slug="burglary"),
                "description": _(
                    "Daytime dwelling burglaries around Millbrook Green have risen this month."
                ),
            },
        )
    return {"meeting": meeting.pk, "priority": priority.pk}


def _subject_request(people: dict[str, User]) -> dict:
    dpo = people["trainee_dpo"]
    name, (year, month, day) = PERSON
    today = timezone.localdate()
    with _as(dpo):
        request = register_request(
            actor=dpo,
            data={
                "kind": "access",
                "subject_name": name,
                "date_of_birth": date(year, month, day),
                "details": _("Letter asking for every record the police hold about him."),
                "received_on": today - timedelta(days=2),
                "identity_method": _("Copy of identity card enclosed with the letter"),
                "identity_checked_by": _("Front desk, Riverside police station"),
                "identity_checked_on": today - timedelta(days=1),
            },
        )
    return {"subject_request": request.pk}


def load(*, language: str, password: str, password_given: bool, resets: int = 0) -> Installation:
    """Write the scenario in ``language`` and mark the installation as a training one. The
    caller runs it in one transaction on an installation holding no other data."""
    rng = random.Random(SEED)
    with translation.override(language), context.acting(via="command", justification=JUSTIFICATION):
        Installation.objects.all().delete()
        installation = Installation.objects.create(
            is_training=True, language=language, seeded_at=timezone.now(), resets=resets
        )
        audit.record(
            Action.CREATE,
            obj=installation,
            details={"language": language, "resets": resets},
        )
        people = _structure(password, password_given)
        scenario: dict = {"trainees": {u: people[u].pk for u in TRAINEE_NAMES}}
        scenario["incidents"] = _incidents(rng)
        scenario.update(_reports(rng, people))
        scenario.update(_meeting(people))
        scenario.update(_subject_request(people))
        installation.scenario = scenario
        installation.save(update_fields=["scenario"])
    return installation
