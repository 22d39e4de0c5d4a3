"""Demo analytical products, written through the services as people would write them.

- a strategic assessment (general), approved by the manager (version 1 frozen);
- a problem profile on burglary (general) citing a few evaluated reports and a hotspot
  analysis computed from the demo incidents, submitted and waiting for the manager.

Idempotent: skipped when the demo strategic assessment exists. No figure is made up: the
hotspot result is a real run of the analysis over the seeded incidents.
"""

from __future__ import annotations

from analysis.choices import ProductKind
from analysis.models import Product
from analysis.services.products.citations import cite
from analysis.services.products.workflow import (
    approve_product,
    create_product,
    submit_product,
    update_product,
)
from ilp_platform.accounts.models import Compartment, User
from ilp_platform.core import context
from ilp_platform.core.jobs import JobStatus
from ilp_platform.core.seeding import register
from intelligence.choices import GradingScheme, ReportStatus
from intelligence.models import Report

STRATEGIC_TITLE = "Strategic assessment: the city, next three years"
PROFILE_TITLE = "Problem profile: dwelling burglary"

STRATEGIC_TEXT = {
    "summary": "Acquisitive crime and local drug supply remain the main threats; online fraud "
    "against older residents is the fastest-growing issue.",
    "political": "A new community safety plan takes effect next year; partnership funding is "
    "tied to reductions in repeat victimisation.",
    "economic": "Rising living costs coincide with more shoplifting and theft of catalytic "
    "converters; the drug market shows stable prices.",
    "social": "Student housing in the centre sees repeat burglary each autumn term.",
    "technological": "Offenders use encrypted messaging to arrange supply; keyless car theft "
    "continues.",
    "environmental": "The night-time economy concentrates violence in two streets on "
    "weekend nights.",
    "legal": "New powers on electronic devices used in vehicle crime.",
    "organisational": "Analyst capacity is stretched; partner data sharing is improving.",
    "outlook": "Expect burglary to follow the student calendar and fraud to keep growing.",
    "recommendations": "Adopt burglary and drug supply as priorities in the control strategy.",
    "intelligence_requirements": "Who supplies the central drug lines; which addresses are "
    "targeted repeatedly.",
}
PROFILE_TEXT = {
    "summary": "Dwelling burglary concentrates in a few grid cells; see the cited hotspot "
    "analysis for the cells significant at 99%.",
    "pattern": "Evening entries through rear doors; electronics and cash taken.",
    "recommendations": "Target hardening in the hot cells; patrols at the peak hours.",
}


def _fill(product: Product, text: dict) -> list[dict]:
    return [{**s, "body": text.get(s["key"], s["body"])} for s in product.sections]


def _reports(compartment, limit: int) -> list[Report]:
    evaluated = Report.objects.filter(
        compartment=compartment,
        status=ReportStatus.EVALUATED,
        grading_scheme=GradingScheme.UK_3X5X2,
        handling_code="P",
    ).order_by("id")
    burglary = list(evaluated.filter(crime_types__slug="burglary")[:limit])
    return burglary or list(evaluated[:limit])


def _hotspot_job(analyst):
    """A real hotspot run over the demo incidents, when the analysis service is present."""
    try:
        from analysis.services.jobs import request_job, run_job_now
    except ImportError:
        return None
    job = request_job(
        actor=analyst,
        kind="hotspot",
        params={"compartments": ["general"], "crime_types": ["burglary"]},
        title="Burglary hotspots (demo)",
    )
    job = run_job_now(job)
    return job if job.status == JobStatus.SUCCEEDED else None


@register(40, "analytical products")
def seed_products(command) -> None:
    if Product.objects.filter(title=STRATEGIC_TITLE).exists():
        command.stdout.write("  demo products present; skipped")
        return
    analyst = User.objects.get(username="analyst")
    manager = User.objects.get(username="manager")
    general = Compartment.objects.get(slug="general")
    reports = _reports(general, 5)

    with context.acting(user=analyst, justification="demo data seeding"):
        strategic = create_product(
            actor=analyst,
            data={
                "kind": ProductKind.STRATEGIC,
                "title": STRATEGIC_TITLE,
                "terms_of_reference": "Commissioned by the chief officer group for the annual "
                "control strategy; the whole city; three-year horizon.",
                "compartment": general,
            },
        )
        update_product(
            strategic, actor=analyst, data={"sections": _fill(strategic, STRATEGIC_TEXT)}
        )
        for report in reports[:2]:
            cite(strategic, actor=analyst, kind="report", target_id=report.pk)
        submit_product(strategic, actor=analyst)
    with context.acting(user=manager, justification="demo data seeding"):
        approve_product(strategic, actor=manager)

    with context.acting(user=analyst, justification="demo data seeding"):
        profile = create_product(
            actor=analyst,
            data={
                "kind": ProductKind.PROBLEM_PROFILE,
                "title": PROFILE_TITLE,
                "terms_of_reference": "Commissioned by the tactical meeting: dwelling burglary "
                "over the last year, whole city, report in four weeks.",
                "compartment": general,
            },
        )
        update_product(profile, actor=analyst, data={"sections": _fill(profile, PROFILE_TEXT)})
        for report in reports[:3]:
            cite(profile, actor=analyst, kind="report", target_id=report.pk)
        job = _hotspot_job(analyst)
        if job is not None:
            cite(profile, actor=analyst, kind="job", target_id=job.pk)
        submit_product(profile, actor=analyst)
    command.stdout.write(
        f"  products: {strategic.reference} approved, {profile.reference} in review"
        + (" (with a hotspot analysis)" if job is not None else "")
    )
