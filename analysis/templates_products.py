"""The standard sections of each analytical product, with guidance for the analyst.

A new product starts from its kind's template: every section present with its heading and a
short note on what belongs there (College of Policing APP analysis; the NIM products; PESTELO
for strategic assessments; a Europol SOCTA-style threat assessment). The guidance is shown
beside the editor and is not part of the product's text.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from analysis.choices import ProductKind


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    guidance: str


_SUMMARY = Section(
    "summary",
    _("Summary"),
    _("The key judgements in a few lines, for a reader who reads nothing else."),
)
_RECOMMENDATIONS = Section(
    "recommendations",
    _("Recommendations"),
    _(
        "What should be done, by whom, with the expected effect (prevention, intelligence, "
        "enforcement, reassurance)."
    ),
)
_GAPS = Section(
    "intelligence_gaps",
    _("Intelligence gaps"),
    _("What is not known and would change the assessment; how it could be filled."),
)

TEMPLATES: dict[str, list[Section]] = {
    ProductKind.STRATEGIC: [
        _SUMMARY,
        Section(
            "political",
            _("Political"),
            _(
                "Local and national policy, governance, "
                "elections, community tensions that shape crime and demand."
            ),
        ),
        Section(
            "economic",
            _("Economic"),
            _(
                "Employment, deprivation, markets (drugs, stolen "
                "goods), cost of living and their effect on offending."
            ),
        ),
        Section(
            "social",
            _("Social"),
            _("Demography, communities, vulnerability, victimisation and public confidence."),
        ),
        Section(
            "technological",
            _("Technological"),
            _(
                "New technology used by offenders "
                "(online fraud, encrypted communications) and by the force."
            ),
        ),
        Section(
            "environmental",
            _("Environmental"),
            _("Places, housing, night-time economy, transport and seasonal patterns."),
        ),
        Section(
            "legal",
            _("Legal"),
            _(
                "New legislation, court practice and powers that "
                "change what is possible or what is an offence."
            ),
        ),
        Section(
            "organisational",
            _("Organisational"),
            _("Resources, partnerships, capacity and performance of the force and its partners."),
        ),
        Section(
            "outlook",
            _("Outlook (about three years)"),
            _(
                "Emerging issues and how the "
                "picture is expected to change; feeds the control strategy."
            ),
        ),
        _RECOMMENDATIONS,
        Section(
            "intelligence_requirements",
            _("Intelligence requirements"),
            _("The questions collection should answer next, for the control strategy."),
        ),
    ],
    ProductKind.TACTICAL: [
        _SUMMARY,
        Section(
            "priorities_progress",
            _("Progress against priorities"),
            _(
                "For each current "
                "priority: what changed since the last meeting, what worked, what did not."
            ),
        ),
        Section(
            "new_hotspots",
            _("New hotspots"),
            _("Places and times where crime has concentrated recently; cite the hotspot analysis."),
        ),
        Section(
            "series",
            _("Series"),
            _(
                "Linked offences (same method, place, time pattern) "
                "that suggest one offender or group."
            ),
        ),
        Section(
            "offenders",
            _("Offenders"),
            _(
                "Active and emerging offenders, prolific or "
                "priority offenders, and what is known of their current activity."
            ),
        ),
        _RECOMMENDATIONS,
    ],
    ProductKind.SUBJECT_PROFILE: [
        _SUMMARY,
        Section(
            "criminal_activity",
            _("Criminal activity"),
            _("What the subject is believed to do, since when, with which grades of intelligence."),
        ),
        Section(
            "lifestyle_geography",
            _("Lifestyle: geography"),
            _("Home, addresses used, places frequented, travel and vehicles."),
        ),
        Section(
            "lifestyle_communications",
            _("Lifestyle: communications"),
            _("Phones, online accounts and how the subject communicates."),
        ),
        Section(
            "lifestyle_finance",
            _("Lifestyle: finance"),
            _("Income, assets, spending beyond means, money movement."),
        ),
        Section(
            "associates",
            _("Associates"),
            _(
                "Family, criminal and legitimate associates, "
                "with the nature and strength of each link; cite the network analysis."
            ),
        ),
        Section(
            "strengths_weaknesses",
            _("Strengths and weaknesses"),
            _("What protects the subject and where they are vulnerable to intervention."),
        ),
        Section(
            "risks",
            _("Risks"),
            _(
                "Risks to the public, to officers, to sources and to "
                "the subject; how each is managed."
            ),
        ),
        _GAPS,
    ],
    ProductKind.PROBLEM_PROFILE: [
        _SUMMARY,
        Section(
            "pattern",
            _("Pattern"),
            _(
                "The crime or location problem: volume, trend, "
                "times and methods; cite the temporal and trend analyses."
            ),
        ),
        Section(
            "hotspots",
            _("Hotspots"),
            _("Where the problem concentrates and how significantly; cite the hotspot analysis."),
        ),
        Section(
            "victims",
            _("Victims"),
            _("Who is harmed, repeat victimisation, vulnerability and near-repeat risk."),
        ),
        Section(
            "offenders", _("Offenders"), _("Known and suspected offenders, groups and their links.")
        ),
        _RECOMMENDATIONS,
        _GAPS,
    ],
    ProductKind.THREAT_ASSESSMENT: [
        _SUMMARY,
        Section(
            "threats",
            _("Threats"),
            _(
                "The groups, markets and crime types that threaten "
                "the area, and their capability and intent."
            ),
        ),
        Section(
            "vulnerabilities",
            _("Vulnerabilities"),
            _("What in society, business or the force the threats exploit."),
        ),
        Section(
            "harm",
            _("Harm"),
            _("Physical, financial, social and community harm caused or expected."),
        ),
        Section(
            "likelihood",
            _("Likelihood"),
            _("How likely each threat is to materialise, in standard probability language."),
        ),
        Section("outlook", _("Outlook"), _("Expected development over the assessment period.")),
        _RECOMMENDATIONS,
    ],
}


def sections_for(kind: str) -> list[Section]:
    return list(TEMPLATES.get(kind, [_SUMMARY]))


def initial_sections(kind: str) -> list[dict]:
    """The sections a new product of ``kind`` starts with: headings, empty bodies."""
    return [{"key": s.key, "title": str(s.title), "body": ""} for s in sections_for(kind)]


def guidance_for(kind: str) -> dict[str, str]:
    return {s.key: str(s.guidance) for s in sections_for(kind)}
