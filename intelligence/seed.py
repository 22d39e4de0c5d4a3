"""Demo intelligence: sources, graded reports, entities and links, a year of incidents.

Idempotent (skips when the demo sources exist) and deterministic (fixed random seed). Rows are
written with batched bulk_create; one summary audit event per kind stands for the batch.
"""

from __future__ import annotations

import math
import random
from datetime import timedelta

from django.utils import timezone

from audit import services as audit
from audit.choices import Action
from ilp_platform.accounts.models import Compartment, User
from ilp_platform.core.seeding import register
from intelligence import grading
from intelligence.choices import (
    EntityKind,
    GradingScheme,
    IdentifierKind,
    IncidentOrigin,
    LinkKind,
    LinkStrength,
    ReportStatus,
    SourceType,
    SubjectCategory,
)
from intelligence.models import (
    CrimeType,
    Entity,
    Grading,
    Identifier,
    Incident,
    Link,
    MentionSuggestion,
    Report,
    ReportEntity,
    RetentionClass,
    Source,
)
from intelligence.models.entities import normalise_identifier, normalise_name
from intelligence.services.reports import allocate_urns

SEED = 20260401
BATCH = 500  # rows per INSERT: large enough to be fast, small enough for SQLite's variable limit
CENTRE = (51.45, -2.59)
HALF_SIDE_KM = 6.0  # a 12 km x 12 km city
REPORTS = 320
PEOPLE, GROUPS, VEHICLES, PLACES, COMMS = 95, 15, 20, 10, 15
LINKS = 200
INCIDENTS = 3000

FIRST = [
    "Aaron",
    "Bella",
    "Callum",
    "Dani",
    "Ellis",
    "Farah",
    "Grant",
    "Hana",
    "Isaac",
    "Jade",
    "Kyle",
    "Leah",
    "Mason",
    "Nia",
    "Owen",
    "Priya",
    "Reece",
    "Sana",
    "Tyler",
    "Uma",
    "Vince",
    "Wren",
    "Yusuf",
    "Zoe",
]
LAST = [
    "Adams",
    "Baker",
    "Clarke",
    "Dawson",
    "Evans",
    "Fletcher",
    "Green",
    "Hughes",
    "Irwin",
    "Jones",
    "Khan",
    "Lewis",
    "Morgan",
    "Nash",
    "O'Neil",
    "Patel",
    "Quinn",
    "Roberts",
    "Shah",
    "Turner",
    "Walsh",
    "Young",
]
STREETS = [
    "High Street",
    "Church Road",
    "Station Road",
    "Park Lane",
    "Mill Street",
    "Victoria Road",
    "Queens Road",
    "Gloucester Road",
    "Stapleton Road",
    "North Street",
    "Bedminster Parade",
    "Cheltenham Road",
    "Fishponds Road",
    "Whiteladies Road",
    "Wells Road",
    "Bath Road",
]
AREAS = [
    "Easton",
    "Bedminster",
    "Southmead",
    "Knowle",
    "Hartcliffe",
    "Lawrence Hill",
    "St Pauls",
    "Clifton",
    "Redland",
    "Fishponds",
    "Bishopsworth",
    "Lockleaze",
    "Hengrove",
    "Horfield",
]
GROUP_NAMES = [
    "Eastside Crew",
    "Harbour Boys",
    "Blue Line Network",
    "Southern Firm",
    "Marsh Lane Group",
    "K2 Line",
    "Redfield Youth",
    "North Star",
    "Wolf Pack",
    "The Arches",
    "Dockside Traders",
    "Valley Line",
    "Ashton Set",
    "Castle Gang",
    "Riverside Crew",
]
MAKES = [
    "Ford Fiesta",
    "Vauxhall Corsa",
    "VW Golf",
    "BMW 3 Series",
    "Audi A3",
    "Mercedes C-Class",
    "Toyota Yaris",
    "Nissan Qashqai",
    "Honda Civic",
    "Range Rover Evoque",
]
ACTIVITIES = [
    ("drugs", "is dealing class A drugs from {place} in the evenings, using {vehicle}"),
    ("drugs", "runs a county line into {area}; young runners are collected near {place}"),
    ("burglary", "has been offering stolen power tools for sale near {place}"),
    ("burglary", "was seen trying rear doors of houses on {street} late at night"),
    ("vehicle-crime", "is stealing catalytic converters in {area}, working from {vehicle}"),
    ("robbery", "threatened a delivery rider with a knife on {street} and took his phone"),
    ("violence", "is involved in an ongoing feud that led to a fight outside {place}"),
    ("weapons", "keeps a knife hidden in the hedge by {place}"),
    ("asb", "and a group gather nightly at {place}, intimidating residents"),
    ("exploitation", "is housing vulnerable young people at an address on {street}"),
]


def _point(rng: random.Random, centre=None, sigma_km: float | None = None) -> tuple[float, float]:
    lat0, lon0 = centre or CENTRE
    km_lat = 1 / 111.0
    km_lon = 1 / (111.0 * math.cos(math.radians(CENTRE[0])))
    if sigma_km is None:
        dy, dx = rng.uniform(-HALF_SIDE_KM, HALF_SIDE_KM), rng.uniform(-HALF_SIDE_KM, HALF_SIDE_KM)
    else:
        dy, dx = rng.gauss(0, sigma_km), rng.gauss(0, sigma_km)
    lat = min(
        max(lat0 + dy * km_lat, CENTRE[0] - HALF_SIDE_KM * km_lat),
        CENTRE[0] + HALF_SIDE_KM * km_lat,
    )
    lon = min(
        max(lon0 + dx * km_lon, CENTRE[1] - HALF_SIDE_KM * km_lon),
        CENTRE[1] + HALF_SIDE_KM * km_lon,
    )
    return round(lat, 6), round(lon, 6)


def _origin(rng: random.Random, proactive: bool) -> str:
    """A plausible origin: proactive offences 85% police-found, others 80% public reports."""
    roll = rng.random()
    if proactive:
        return IncidentOrigin.POLICE if roll < 0.85 else IncidentOrigin.PUBLIC
    if roll < 0.80:
        return IncidentOrigin.PUBLIC
    if roll < 0.88:
        return IncidentOrigin.POLICE
    return IncidentOrigin.OTHER if roll < 0.94 else IncidentOrigin.UNKNOWN


def _grading(rng: random.Random) -> dict:
    scheme = rng.choices(
        [
            GradingScheme.UK_3X5X2,
            GradingScheme.UK_5X5X5,
            GradingScheme.EUROPOL_4X4,
            GradingScheme.ADMIRALTY,
        ],
        weights=[70, 12, 10, 8],
    )[0]
    source = rng.choice(list(grading.codes(scheme, grading.SOURCE)))
    intelligence = rng.choice(list(grading.codes(scheme, grading.INTELLIGENCE)))
    handling = rng.choice(list(grading.codes(scheme, grading.HANDLING)))
    conditions = ""
    if grading.conditions_required(scheme, handling):
        conditions = "Not to be disseminated outside the force without the FIB manager's approval."
    return {
        "grading_scheme": scheme,
        "source_evaluation": source,
        "intelligence_assessment": intelligence,
        "handling_code": handling,
        "handling_conditions": conditions,
    }


@register(20, "intelligence")
def seed_intelligence(command) -> None:
    if Source.objects.filter(reference="SRC-001").exists():
        command.stdout.write("  intelligence demo data present; skipped")
        return
    rng = random.Random(SEED)
    now = timezone.now()
    users = {
        u.username: u
        for u in User.objects.filter(username__in=["officer", "analyst", "analyst2", "handler"])
    }
    general = Compartment.objects.get(slug="general")
    restricted = Compartment.objects.get(slug="restricted")
    crime_types = {ct.slug: ct for ct in CrimeType.objects.all()}
    retention = RetentionClass.objects.filter(is_default=True).first()

    # -- sources ---------------------------------------------------------------------------
    source_types = [SourceType.COVERT_HUMAN] * 5 + [
        SourceType.OFFICER,
        SourceType.OFFICER,
        SourceType.PARTNER,
        SourceType.OPEN_SOURCE,
        SourceType.TECHNICAL,
        SourceType.PUBLIC,
        SourceType.PARTNER,
    ]
    sources = []
    for n, source_type in enumerate(source_types, start=1):
        covert = source_type == SourceType.COVERT_HUMAN
        sources.append(
            Source(
                reference=f"SRC-{n:03d}",
                source_type=source_type,
                compartment=restricted if covert and n % 2 == 0 else general,
                handler=users["handler"] if covert else None,
                identity_name=f"{rng.choice(FIRST)} {rng.choice(LAST)}" if covert else "",
                identity_details="Meets handler fortnightly; paid expenses only." if covert else "",
                notes="Reliable on local drug supply." if covert else "",
                created_by=users["handler"] if covert else users["analyst"],
            )
        )
    # Both backends return the new primary keys from bulk_create (INSERT ... RETURNING).
    Source.objects.bulk_create(sources)

    # -- entities --------------------------------------------------------------------------
    entities: list[Entity] = []
    identifiers: list[tuple[int, str, str]] = []  # (entity index, kind, value)

    def add(kind, name, compartment, dob=None, description=""):
        key = (
            normalise_identifier(IdentifierKind.VEHICLE_REGISTRATION, name)
            if kind == EntityKind.VEHICLE
            else normalise_name(name)
        )
        entities.append(
            Entity(
                kind=kind,
                name=name,
                name_key=key,
                date_of_birth=dob,
                description=description,
                compartment=compartment,
                created_by=users["analyst"],
            )
        )
        return len(entities) - 1

    used_names = set()
    for _ in range(PEOPLE):
        while True:
            name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
            if name not in used_names:
                used_names.add(name)
                break
        dob = (now - timedelta(days=rng.randint(16 * 365, 55 * 365))).date()
        index = add(EntityKind.PERSON, name, restricted if rng.random() < 0.15 else general, dob)
        if rng.random() < 0.4:
            identifiers.append((index, IdentifierKind.PHONE, f"07700 9{rng.randint(0, 99999):05d}"))
    for name in GROUP_NAMES[:GROUPS]:
        add(EntityKind.ORGANISATION, name, general, description="Street group")
    for _ in range(VEHICLES):
        letters = "".join(rng.choice("ABCDEFGHJKLMNPRSTUVWXYZ") for _ in range(3))
        vrm = (
            f"{rng.choice('ABDFGHKLMNW')}{rng.choice('ABDFGHKLMNW')}{rng.randint(51, 74)} {letters}"
        )
        index = add(EntityKind.VEHICLE, vrm, general, description=rng.choice(MAKES))
        identifiers.append((index, IdentifierKind.VEHICLE_REGISTRATION, vrm))
    for _ in range(PLACES):
        add(
            EntityKind.LOCATION,
            f"{rng.randint(1, 180)} {rng.choice(STREETS)}, {rng.choice(AREAS)}",
            general,
        )
    for n in range(COMMS):
        if n % 3 == 0:
            value, kind = f"user{rng.randint(100, 999)}@example.invalid", IdentifierKind.EMAIL
        elif n % 3 == 1:
            value, kind = (
                f"@{rng.choice(LAST).lower().replace(chr(39), '')}{rng.randint(1, 99)}",
                IdentifierKind.HANDLE,
            )
        else:
            value, kind = f"07700 9{rng.randint(0, 99999):05d}", IdentifierKind.PHONE
        index = add(EntityKind.COMMUNICATION, value, general)
        identifiers.append((index, kind, value))
    Entity.objects.bulk_create(entities, batch_size=BATCH)
    entities = list(
        Entity.objects.filter(created_by=users["analyst"], merged_into__isnull=True).order_by("id")
    )[-len(entities) :]
    Identifier.objects.bulk_create(
        [
            Identifier(entity=entities[i], kind=k, value=v, value_key=normalise_identifier(k, v))
            for i, k, v in identifiers
        ],
        batch_size=BATCH,
    )
    id_values: dict[int, list[str]] = {}
    for i, _k, v in identifiers:
        id_values.setdefault(entities[i].pk, []).append(v)
    by_compartment = {
        general.pk: [e for e in entities if e.compartment_id == general.pk],
        restricted.pk: [e for e in entities if e.compartment_id == restricted.pk]
        + [e for e in entities if e.compartment_id == general.pk][:0],
    }
    people = {c: [e for e in es if e.kind == EntityKind.PERSON] for c, es in by_compartment.items()}
    vehicles = [e for e in entities if e.kind == EntityKind.VEHICLE]

    # -- reports ---------------------------------------------------------------------------
    urns = allocate_urns(REPORTS)
    reports: list[Report] = []
    planned_links: list[list[tuple[Entity, str]]] = []
    planned_types: list[list[str]] = []
    # What the officer typed as people and vehicles mentioned, on reports awaiting evaluation.
    planned_suggestions: list[list[tuple[Entity, str]]] = []
    for n in range(REPORTS):
        compartment = restricted if rng.random() < 0.2 else general
        status = ReportStatus.EVALUATED
        roll = rng.random()
        if compartment == general and roll < 0.12:
            status = ReportStatus.SUBMITTED
        source = rng.choice(
            [s for s in sources if s.compartment_id in (general.pk, compartment.pk)]
        )
        if source.source_type == SourceType.COVERT_HUMAN or compartment == restricted:
            # analyst evaluates restricted reports, so someone else (the handler) submits them
            submitter = users["handler"]
        elif status == ReportStatus.SUBMITTED or rng.random() < 0.5:
            submitter = users["officer"]
        else:
            submitter = users["analyst2"]
        evaluator = None
        if status == ReportStatus.EVALUATED:
            choices = [u for u in (users["analyst"], users["analyst2"]) if u != submitter]
            if compartment == restricted:
                choices = (
                    [users["analyst"]] if submitter != users["analyst"] else [users["analyst"]]
                )
            evaluator = choices[0] if len(choices) == 1 else rng.choice(choices)
        crime, pattern = rng.choice(ACTIVITIES)
        pool = people[compartment.pk] or people[general.pk]
        subject = rng.choice(pool)
        vehicle = rng.choice(vehicles)
        area, street = rng.choice(AREAS), rng.choice(STREETS)
        place = (
            f"{rng.choice(['the shop on', 'the park off', 'the flats on', 'the pub on'])} {street}"
        )
        sentence = pattern.format(
            place=place,
            vehicle=f"a {vehicle.description} ({vehicle.name})",
            area=area,
            street=street,
        )
        text = (
            f"Source reports that {subject.name} {sentence}. "
            "Source heard this directly at a meeting last week."
        )
        sanitised = f"{subject.name} {sentence}." if status == ReportStatus.EVALUATED else ""
        lat, lon = _point(rng)
        occurred = now - timedelta(days=rng.randint(1, 360), minutes=rng.randint(0, 1440))
        submitted_at = occurred + timedelta(days=rng.randint(0, 5))
        evaluated_at = submitted_at + timedelta(days=rng.randint(0, 3)) if evaluator else None
        review_due = None
        if retention:
            review_due = retention.review_due_from((evaluated_at or submitted_at).date())
            if status == ReportStatus.EVALUATED and n % 20 == 0:
                review_due = (now + timedelta(days=rng.randint(-60, 20))).date()
        window = rng.random() < 0.3
        report = Report(
            urn=urns[n],
            compartment=compartment,
            status=status,
            source=source,
            text=text,
            sanitised_text=sanitised,
            is_personal_assessment=rng.random() < 0.2,
            has_special_category=rng.random() < 0.03,
            occurred_at=None if window else occurred,
            occurred_from=occurred if window else None,
            occurred_to=occurred + timedelta(hours=rng.randint(1, 12)) if window else None,
            latitude=lat,
            longitude=lon,
            place_name=f"{street}, {area}",
            retention_class=retention,
            review_due=review_due,
            submitted_by=submitter,
            submitted_at=submitted_at,
            evaluated_by=evaluator,
            evaluated_at=evaluated_at,
            **_grading(rng),
        )
        links = [(subject, rng.choice([SubjectCategory.SUSPECT] * 4 + [SubjectCategory.CONVICTED]))]
        if "vehicle" in pattern:
            links.append((vehicle, ""))
        if rng.random() < 0.3:
            other = rng.choice(pool)
            if other != subject:
                links.append(
                    (
                        other,
                        rng.choice(
                            [SubjectCategory.VICTIM, SubjectCategory.WITNESS, SubjectCategory.OTHER]
                        ),
                    )
                )
        types = [crime] + ([rng.choice(list(crime_types))] if rng.random() < 0.2 else [])
        types = list(dict.fromkeys(t for t in types if t in crime_types))
        if status == ReportStatus.EVALUATED:
            parts = [report.urn, sanitised, report.place_name]
            parts += [crime_types[t].name for t in types]
            for entity, _cat in links:
                # As the services build it: entities of the report's own compartment only.
                if entity.compartment_id != compartment.pk:
                    continue
                parts.append(entity.name)
                parts += id_values.get(entity.pk, [])
            report.search_document = "\n".join(parts)
            planned_suggestions.append([])
        else:
            planned_suggestions.append(links if submitter == users["officer"] else [])
            links = []
        reports.append(report)
        planned_links.append(links)
        planned_types.append(types)
    Report.objects.bulk_create(reports, batch_size=BATCH)

    through = Report.crime_types.through
    through.objects.bulk_create(
        [
            through(report_id=r.pk, crimetype_id=crime_types[t].pk)
            for r, types in zip(reports, planned_types, strict=True)
            for t in types
        ],
        batch_size=BATCH,
    )
    ReportEntity.objects.bulk_create(
        [
            ReportEntity(
                report=r,
                entity=e,
                subject_category=cat,
                is_assessment=r.is_personal_assessment,
                created_by=r.evaluated_by or r.submitted_by,
            )
            for r, links in zip(reports, planned_links, strict=True)
            for e, cat in links
        ],
        batch_size=BATCH,
        ignore_conflicts=True,
    )
    MentionSuggestion.objects.bulk_create(
        [
            MentionSuggestion(
                report=r,
                kind=e.kind,
                name=e.name,
                details=e.description if e.kind == EntityKind.VEHICLE else "",
                created_by=r.submitted_by,
            )
            for r, suggested in zip(reports, planned_suggestions, strict=True)
            for e, _cat in suggested
        ],
        batch_size=BATCH,
    )
    Grading.objects.bulk_create(
        [
            Grading(
                report=r,
                old_scheme=r.grading_scheme,
                old_source_evaluation=r.source_evaluation,
                old_intelligence_assessment=r.intelligence_assessment,
                old_handling_code=r.handling_code,
                new_scheme=r.grading_scheme,
                new_source_evaluation=r.source_evaluation,
                new_intelligence_assessment=r.intelligence_assessment,
                new_handling_code=r.handling_code,
                reason="Grading confirmed at evaluation",
                graded_by=r.evaluated_by,
            )
            for r in reports
            if r.status == ReportStatus.EVALUATED
        ],
        batch_size=BATCH,
    )

    # -- links between entities ------------------------------------------------------------
    reports_of: dict[int, list[Report]] = {}
    for r, links in zip(reports, planned_links, strict=True):
        for e, _cat in links:
            reports_of.setdefault(e.pk, []).append(r)
    groups = [e for e in entities if e.kind == EntityKind.ORGANISATION]
    places = [e for e in entities if e.kind == EntityKind.LOCATION]
    comms = [e for e in entities if e.kind == EntityKind.COMMUNICATION]
    link_rows, link_reports, seen = [], [], set()
    while len(link_rows) < LINKS:
        person = rng.choice(people[general.pk])
        kind, other = rng.choice(
            [
                (LinkKind.ASSOCIATE, rng.choice(people[general.pk])),
                (LinkKind.FAMILY, rng.choice(people[general.pk])),
                (LinkKind.MEMBER_OF, rng.choice(groups)),
                (LinkKind.USES, rng.choice(vehicles)),
                (LinkKind.OWNS, rng.choice(vehicles)),
                (LinkKind.LOCATED_AT, rng.choice(places)),
                (LinkKind.USES, rng.choice(comms)),
            ]
        )
        if other.pk == person.pk or (person.pk, other.pk, kind) in seen:
            continue
        seen.add((person.pk, other.pk, kind))
        link_rows.append(
            Link(
                compartment=general,
                from_entity=person,
                to_entity=other,
                kind=kind,
                strength=rng.choice(LinkStrength.values),
                created_by=users["analyst"],
            )
        )
        evidence = [r for r in reports_of.get(person.pk, []) if r.compartment_id == general.pk]
        link_reports.append(evidence[:2])
    Link.objects.bulk_create(link_rows, batch_size=BATCH)
    Link.reports.through.objects.bulk_create(
        [
            Link.reports.through(link_id=link.pk, report_id=r.pk)
            for link, evidence in zip(link_rows, link_reports, strict=True)
            for r in evidence
        ],
        batch_size=BATCH,
        ignore_conflicts=True,
    )

    # -- incidents: hotspots over a uniform background, a year of time ---------------------
    incident_types = ["burglary", "vehicle-crime", "robbery", "violence", "drugs", "asb"]
    weights = [22, 20, 6, 24, 10, 18]
    hotspots = [(_point(rng), rng.choice(incident_types), rng.uniform(0.25, 0.6)) for _ in range(8)]
    night = {"violence", "asb", "robbery"}
    # How each came to notice: drugs offences are mostly found by police activity, the rest
    # mostly reported by the public. A random stream of its own, so the places and times
    # stay those of earlier seeds.
    origin_rng = random.Random(SEED + 1)
    proactive = {"drugs"}
    incidents = []
    for n in range(INCIDENTS):
        if rng.random() < 0.55:
            centre, favoured, sigma = rng.choice(hotspots)
            lat, lon = _point(rng, centre, sigma)
            slug = favoured if rng.random() < 0.6 else rng.choices(incident_types, weights)[0]
        else:
            lat, lon = _point(rng)
            slug = rng.choices(incident_types, weights)[0]
        day = now - timedelta(days=rng.uniform(0, 365))
        hour = int(rng.gauss(23, 2.5)) % 24 if slug in night else rng.randint(0, 23)
        start = day.replace(hour=hour, minute=rng.randint(0, 59), second=0, microsecond=0)
        if start > now:
            start -= timedelta(days=1)
        end = (
            start + timedelta(hours=rng.randint(1, 10))
            if slug in ("burglary", "vehicle-crime")
            else None
        )
        incidents.append(
            Incident(
                reference=f"INC-{start:%Y}-{n + 1:06d}",
                crime_type=crime_types[slug],
                occurred_from=start,
                occurred_to=end,
                latitude=lat,
                longitude=lon,
                address=f"{rng.randint(1, 200)} {rng.choice(STREETS)}, {rng.choice(AREAS)}",
                compartment=restricted if rng.random() < 0.05 else general,
                origin=_origin(origin_rng, slug in proactive),
            )
        )
    Incident.objects.bulk_create(incidents, batch_size=BATCH)

    counts = {
        "intelligence.source": len(sources),
        "intelligence.entity": len(entities),
        "intelligence.report": len(reports),
        "intelligence.link": len(link_rows),
        "intelligence.incident": len(incidents),
    }
    for object_type, count in counts.items():
        audit.record(
            Action.CREATE,
            object_type=object_type,
            object_repr="demo data",
            details={"seeded": count, "bulk": True},
        )
    command.stdout.write(
        "  " + ", ".join(f"{name.split('.')[1]}: {count}" for name, count in counts.items())
    )
