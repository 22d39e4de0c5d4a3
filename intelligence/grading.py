"""The grading schemes as data, and the rules that make a grading valid.

Each scheme maps its codes to their meaning on three axes: the source evaluation, the
intelligence (information) assessment and the handling code (DOMAIN.md section 2). A report
stores the scheme with its codes, so a report graded under a legacy scheme keeps its meaning.

The NATO Admiralty scheme has no handling code of its own; admiralty reports use the 3x5x2
handling codes (P, C), with the same rule that C needs written conditions.
"""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from intelligence.choices import GradingScheme

SOURCE = "source_evaluation"
INTELLIGENCE = "intelligence_assessment"
HANDLING = "handling_code"
CONDITIONS = "handling_conditions"
SCHEME = "grading_scheme"

_HANDLING_3X5X2 = {
    "P": _("Lawful sharing permitted (policing purpose, recipient with a legitimate need)"),
    "C": _("Lawful sharing permitted with conditions: handling instructions must be recorded"),
}

SCHEMES: dict[str, dict[str, dict[str, object]]] = {
    GradingScheme.UK_3X5X2: {
        SOURCE: {
            "1": _("Reliable"),
            "2": _("Untested"),
            "3": _("Not reliable"),
        },
        INTELLIGENCE: {
            "A": _("Known directly to the source"),
            "B": _("Known indirectly to the source but corroborated"),
            "C": _("Known indirectly to the source"),
            "D": _("Not known"),
            "E": _("Suspected to be false"),
        },
        HANDLING: _HANDLING_3X5X2,
    },
    GradingScheme.UK_5X5X5: {
        SOURCE: {
            "A": _("Always reliable"),
            "B": _("Mostly reliable"),
            "C": _("Sometimes reliable"),
            "D": _("Unreliable"),
            "E": _("Untested source"),
        },
        INTELLIGENCE: {
            "1": _("Known to be true without reservation"),
            "2": _("Known personally to the source but not to the officer"),
            "3": _("Not personally known to the source but corroborated"),
            "4": _("Cannot be judged"),
            "5": _("Suspected to be false or malicious"),
        },
        HANDLING: {
            "1": _("May be disseminated to other law-enforcement and prosecuting agencies"),
            "2": _("May be disseminated to UK non-prosecuting parties (authorisation and record)"),
            "3": _("May be disseminated to non-EEA law enforcement (special conditions)"),
            "4": _("Only within the originating agency"),
            "5": _("No further dissemination: refer to the originator (special handling)"),
        },
    },
    GradingScheme.EUROPOL_4X4: {
        SOURCE: {
            "A": _("No doubt of authenticity, trustworthiness and competence"),
            "B": _("Reliable in most instances"),
            "C": _("Unreliable in most instances"),
            "X": _("Reliability cannot be assessed"),
        },
        INTELLIGENCE: {
            "1": _("Accuracy not in doubt"),
            "2": _("Known personally to the source but not to the official passing it on"),
            "3": _("Not known personally to the source but corroborated"),
            "4": _("Not known personally to the source and cannot be corroborated"),
        },
        HANDLING: {
            "H0": _("Only to prevent and combat crime"),
            "H1": _(
                "Not to be disclosed in judicial proceedings without the provider's permission"
            ),
            "H2": _("Not to be disseminated without the provider's permission"),
            "H3": _("Other restrictions (written conditions required)"),
        },
    },
    GradingScheme.ADMIRALTY: {
        SOURCE: {
            "A": _("Completely reliable"),
            "B": _("Usually reliable"),
            "C": _("Fairly reliable"),
            "D": _("Not usually reliable"),
            "E": _("Unreliable"),
            "F": _("Reliability cannot be judged"),
        },
        INTELLIGENCE: {
            "1": _("Confirmed by other sources"),
            "2": _("Probably true"),
            "3": _("Possibly true"),
            "4": _("Doubtful"),
            "5": _("Improbable"),
            "6": _("Truth cannot be judged"),
        },
        HANDLING: _HANDLING_3X5X2,
    },
}

# Handling codes whose dissemination depends on written handling conditions.
CONDITIONS_REQUIRED = {
    GradingScheme.UK_3X5X2: {"C"},
    GradingScheme.UK_5X5X5: {"2", "3", "4", "5"},
    GradingScheme.EUROPOL_4X4: {"H3"},
    GradingScheme.ADMIRALTY: {"C"},
}
# The 5x5x5 codes 4 and 5 forbid dissemination outside the originating agency altogether.
DISSEMINATION_BLOCKED = {GradingScheme.UK_5X5X5: {"4", "5"}}

AXIS_LABELS = {
    SOURCE: _("Source evaluation"),
    INTELLIGENCE: _("Intelligence assessment"),
    HANDLING: _("Handling code"),
}


def enabled_schemes() -> list[str]:
    """Schemes an administrator allows for new reports (settings ``ILP_GRADING_SCHEMES``)."""
    configured = getattr(settings, "ILP_GRADING_SCHEMES", None) or list(SCHEMES)
    return [code for code in configured if code in SCHEMES]


def default_scheme() -> str:
    default = getattr(settings, "ILP_DEFAULT_GRADING_SCHEME", GradingScheme.UK_3X5X2)
    enabled = enabled_schemes()
    return default if default in enabled else enabled[0]


def codes(scheme: str, axis: str) -> dict[str, object]:
    return dict(SCHEMES.get(scheme, {}).get(axis, {}))


def meaning(scheme: str, axis: str, code: str) -> str:
    return str(SCHEMES.get(scheme, {}).get(axis, {}).get(code, ""))


# Every scheme writes its grade in the same conventional order: the source evaluation first,
# then the intelligence (information) assessment, then the handling code (DOMAIN.md section 2).
# Only the alphabet differs: 3x5x2 grades the source with a number and the intelligence with a
# letter ("2B": source 2, intelligence B), 5x5x5, 4x4 and Admiralty the other way round ("B2":
# source B, intelligence 2). Shown with its scheme and its words, a grade cannot be misread
# as another scheme's.
AXES_IN_ORDER = (SOURCE, INTELLIGENCE, HANDLING)


def grade_code(scheme: str, source: str, intelligence: str) -> str:
    """The grade in its scheme's conventional order: "2B" (3x5x2), "B2" (5x5x5)."""
    return f"{source}{intelligence}"


def full_code(scheme: str, source: str, intelligence: str, handling: str) -> str:
    """The grade with its handling code: "2B P" (3x5x2), "B2 3" (5x5x5), "A1 H0" (4x4)."""
    code = grade_code(scheme, source, intelligence)
    return f"{code} {handling}" if handling else code


def axes(scheme: str, source: str, intelligence: str, handling: str = "") -> list[dict]:
    """Each axis of a grade in order, with its name, code and meaning (handling when given)."""
    values = {SOURCE: source, INTELLIGENCE: intelligence, HANDLING: handling}
    return [
        {
            "axis": axis,
            "label": str(AXIS_LABELS[axis]),
            "code": values[axis],
            "meaning": meaning(scheme, axis, values[axis]),
        }
        for axis in AXES_IN_ORDER
        if values[axis]
    ]


def describe(scheme: str, source: str, intelligence: str) -> str:
    """The grade in words, in its conventional order, each code named by its axis:
    "2B — source evaluation 2: Untested; intelligence assessment B: Known indirectly to the
    source but corroborated"."""
    words = "; ".join(
        f"{part['label'].lower()} {part['code']}: {part['meaning']}"
        for part in axes(scheme, source, intelligence)
    )
    return f"{grade_code(scheme, source, intelligence)} — {words}"


def conditions_required(scheme: str, handling: str) -> bool:
    return handling in CONDITIONS_REQUIRED.get(scheme, set())


def validate_grading(
    scheme: str,
    source: str,
    intelligence: str,
    handling: str,
    conditions: str = "",
    *,
    new_report: bool = False,
) -> dict[str, list[str]]:
    """Errors by field name for a grading; an empty dict means the grading is valid.

    ``new_report`` also refuses a scheme the configuration does not allow for new reports
    (a report graded earlier under a scheme later switched off keeps its grading).
    """
    errors: dict[str, list[str]] = {}
    if scheme not in SCHEMES:
        errors[SCHEME] = [
            gettext("Unknown grading scheme “%(scheme)s”: choose one of %(choices)s.")
            % {"scheme": scheme, "choices": ", ".join(SCHEMES)}
        ]
        return errors
    if new_report and scheme not in enabled_schemes():
        errors[SCHEME] = [
            gettext("The %(scheme)s scheme is not enabled here: choose one of %(choices)s.")
            % {"scheme": scheme, "choices": ", ".join(enabled_schemes())}
        ]
    for axis, value in ((SOURCE, source), (INTELLIGENCE, intelligence), (HANDLING, handling)):
        allowed = codes(scheme, axis)
        if value not in allowed:
            errors[axis] = [
                gettext(
                    "“%(code)s” is not a %(axis)s code of the %(scheme)s scheme: use %(choices)s."
                )
                % {
                    "code": value or "",
                    "axis": str(AXIS_LABELS[axis]).lower(),
                    "scheme": scheme,
                    "choices": ", ".join(allowed),
                }
            ]
    needs_conditions = HANDLING not in errors and conditions_required(scheme, handling)
    if needs_conditions and not (conditions or "").strip():
        errors[CONDITIONS] = [
            gettext(
                "Handling code %(code)s of the %(scheme)s scheme allows sharing only under "
                "conditions: write the handling conditions."
            )
            % {"code": handling, "scheme": scheme}
        ]
    return errors
