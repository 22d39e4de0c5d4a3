"""The exercises: tasks per role that walk a trainee through the intelligence cycle as the OSCE
model describes it (direction, collection, evaluation, analysis, dissemination, tasking,
review).

Each exercise is checked against what the trainee did in the platform since the scenario was
last loaded (the records they wrote, read through ``visible_to``), never by ticking a box: the
reset erases everything, so any record a trainee holds was made in this run of the scenario.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from analysis.models import AnalysisJob, Citation, Product
from analysis.models.products import CitationKind
from audit.choices import Action
from audit.models import AuditEvent
from ilp_platform.accounts.choices import Role
from ilp_platform.core.jobs import JobStatus
from intelligence.choices import ReportStatus
from intelligence.models import Report
from subjectrequests.choices import RequestStatus
from subjectrequests.models import SubjectRequest
from tasking.models import Decision, Priority, Requirement, Tasking

# The stages of the cycle, in order (OSCE Guidebook on ILP; DOMAIN.md section 1).
STAGES = {
    "direction": _("Direction"),
    "collection": _("Collection"),
    "evaluation": _("Evaluation"),
    "analysis": _("Analysis"),
    "dissemination": _("Dissemination"),
    "tasking": _("Tasking"),
    "review": _("Review"),
}

Check = Callable[[object, dict], bool]


@dataclass(frozen=True)
class Exercise:
    key: str
    role: str
    stage: str
    title: object
    goal: object
    steps: tuple
    hints: tuple
    check: Check

    @property
    def stage_label(self):
        return STAGES[self.stage]


# --- checks: each reads the trainee's own records through visible_to ------------------------


def _series_job(user) -> AnalysisJob | None:
    """The trainee's finished near-repeat job that found the series (a significant cell)."""
    jobs = AnalysisJob.objects.visible_to(user).filter(
        requested_by=user.pk, kind="near_repeat", status=JobStatus.SUCCEEDED
    )
    for job in jobs.order_by("-id")[:20]:
        summary = (job.result or {}).get("summary") or {}
        if (summary.get("significant_cells") or 0) >= 1:
            return job
    return None


def submitted_report(user, scenario: dict) -> bool:
    return (
        Report.objects.visible_to(user)
        .filter(submitted_by=user.pk)
        .exclude(status=ReportStatus.DRAFT)
        .exists()
    )


def graded_reports(user, scenario: dict) -> bool:
    ids = scenario.get("ungraded_reports") or []
    done = (
        Report.objects.visible_to(user)
        .filter(pk__in=ids, evaluated_by=user.pk, status=ReportStatus.EVALUATED)
        .count()
    )
    return bool(ids) and done == len(ids)


def graded_one_report(user, scenario: dict) -> bool:
    ids = scenario.get("ungraded_reports") or []
    return (
        Report.objects.visible_to(user)
        .filter(pk__in=ids, evaluated_by=user.pk, status=ReportStatus.EVALUATED)
        .exists()
    )


def found_series(user, scenario: dict) -> bool:
    return _series_job(user) is not None


def profile_cites_series(user, scenario: dict) -> bool:
    jobs = AnalysisJob.objects.visible_to(user).filter(
        requested_by=user.pk, kind="near_repeat", status=JobStatus.SUCCEEDED
    )
    products = Product.objects.visible_to(user).filter(author=user.pk, kind="problem_profile")
    return Citation.objects.filter(
        product__in=products, kind=CitationKind.JOB, job__in=jobs
    ).exists()


def scored_priority(user, scenario: dict) -> bool:
    return (
        Priority.objects.visible_to(user)
        .filter(pk=scenario.get("priority"), scored_by=user.pk, score__isnull=False)
        .exists()
    )


def decided_at_meeting(user, scenario: dict) -> bool:
    meeting = scenario.get("meeting")
    decided = Decision.objects.visible_to(user).filter(meeting=meeting, decided_by=user.pk).exists()
    raised = (
        Requirement.objects.visible_to(user)
        .filter(raised_at_meeting=meeting, raised_by=user.pk)
        .exists()
        or Tasking.objects.visible_to(user)
        .filter(raised_at_meeting=meeting, created_by=user.pk)
        .exists()
    )
    return decided and raised


def answered_request(user, scenario: dict) -> bool:
    return (
        SubjectRequest.objects.visible_to(user)
        .filter(
            pk=scenario.get("subject_request"), status=RequestStatus.ANSWERED, answered_by=user.pk
        )
        .exists()
    )


def reviewed_log(user, scenario: dict) -> bool:
    """The trainee listed the audit trail filtered to someone's or something's events."""
    events = AuditEvent.objects.filter(
        actor_id=user.pk, action=Action.LIST, object_type="audit.auditevent"
    ).order_by("-id")[:50]
    return any((event.details or {}).get("filters") for event in events)


EXERCISES: tuple[Exercise, ...] = (
    Exercise(
        key="officer-collection",
        role=Role.OFFICER,
        stage="collection",
        title=_("Report what you saw on patrol"),
        goal=_(
            "Collection: record intelligence so that analysts can grade it. On patrol in "
            "Millbrook you noticed a small white van slowly circling Millbrook Green at school "
            "time."
        ),
        steps=(
            _("Open “Submit intelligence”."),
            _("Choose the compartment “Riverside (training)”."),
            _("Describe what you saw, where and when; grade your own information honestly."),
            _("Submit the report for evaluation (not as a draft)."),
        ),
        hints=(
            _("You are an officer: you are your own source, usually graded 1 under 3x5x2."),
            _("Facts first (what, where, when); keep opinions apart and say they are yours."),
        ),
        check=submitted_report,
    ),
    Exercise(
        key="analyst-evaluation",
        role=Role.ANALYST,
        stage="evaluation",
        title=_("Grade the reports awaiting evaluation"),
        goal=_(
            "Evaluation: four reports from sources about Millbrook wait in the evaluation "
            "queue. Grade each one, sanitise it and accept it."
        ),
        steps=(
            _("Open “Evaluate”: the four training reports are listed."),
            _("For each, judge the source and the information and set the handling code."),
            _("Write a sanitised text that does not reveal the source."),
            _("Accept each report."),
        ),
        hints=(
            _("A covert source (TRN-SRC-02) must never be identifiable from the sanitised text."),
            _("Information the source only heard from others is not 'known directly'."),
        ),
        check=graded_reports,
    ),
    Exercise(
        key="analyst-analysis",
        role=Role.ANALYST,
        stage="analysis",
        title=_("Find the burglary series"),
        goal=_(
            "Analysis: burglaries in Millbrook seem to come in runs. Test it with a near-repeat "
            "analysis of the burglaries in the scenario's incidents."
        ),
        steps=(
            _("Open “Analysis” and start a new job of kind “Near repeat”."),
            _("Choose the crime type burglary and the compartment “Riverside (training)”."),
            _("Keep the default distance and time bands and run the job."),
            _("Read the Knox table: is the closest cell significant?"),
        ),
        hints=(
            _("Near repeats of burglary usually show within 300-400 m and a few weeks."),
            _("A Knox ratio above 1 with p < 0.05 in the closest cell means a series."),
        ),
        check=found_series,
    ),
    Exercise(
        key="analyst-dissemination",
        role=Role.ANALYST,
        stage="dissemination",
        title=_("Write a problem profile citing the series"),
        goal=_(
            "Dissemination: write a problem profile of the Millbrook burglaries for the "
            "tasking meeting, citing your near-repeat result as evidence."
        ),
        steps=(
            _("Finish the exercise “Find the burglary series” first."),
            _("Open “Products” and create a product of kind “Problem profile”."),
            _("Cite your near-repeat analysis result in the product."),
        ),
        hints=(_("The citation is added from the product's page: choose “Analysis result”."),),
        check=profile_cites_series,
    ),
    Exercise(
        key="manager-direction",
        role=Role.MANAGER,
        stage="direction",
        title=_("Score the candidate priority"),
        goal=_(
            "Direction: the open tactical meeting has a candidate priority, dwelling burglary "
            "in Millbrook, not yet scored. Score it so it can be compared with others."
        ),
        steps=(
            _("Open “Tasking” and the training meeting."),
            _("Open the priority “Dwelling burglary in Millbrook”."),
            _("Score it on harm, likelihood, organisational position and confidence."),
        ),
        hints=(
            _("Harm counts victims' loss and fear, not only the value of goods taken."),
            _("Confidence says how good the information behind your score is."),
        ),
        check=scored_priority,
    ),
    Exercise(
        key="manager-tasking",
        role=Role.MANAGER,
        stage="tasking",
        title=_("Run the tasking meeting"),
        goal=_(
            "Tasking: at the open meeting, record a decision with its rationale and raise an "
            "intelligence requirement or a tasking from it."
        ),
        steps=(
            _("Open the training meeting."),
            _("Record a decision: what is decided and why, with the evidence considered."),
            _("Raise a requirement (what we need to know) or a tasking (who does what by when)."),
        ),
        hints=(
            _("A decision without a rationale cannot be recorded: write down why."),
            _("Requirements direct collection; taskings direct resources."),
        ),
        check=decided_at_meeting,
    ),
    Exercise(
        key="dpo-review",
        role=Role.OVERSIGHT,
        stage="review",
        title=_("Answer the access request"),
        goal=_(
            "Review and data protection: Dario Vell asks for every record held about him. "
            "Search, decide on each record found and answer within the deadline."
        ),
        steps=(
            _("Open “Subject requests” and the request of Dario Vell."),
            _("Run the search for the person."),
            _("Decide on each hit: disclose, or withhold with the legal reason."),
            _("Answer the request."),
        ),
        hints=(
            _("Withholding needs a reason the law allows, such as protecting an investigation."),
            _("The answer is a disclosure: it is recorded in the audit trail."),
        ),
        check=answered_request,
    ),
    Exercise(
        key="dpo-audit",
        role=Role.OVERSIGHT,
        stage="review",
        title=_("Check who looked at what"),
        goal=_(
            "Review: oversight verifies that consultations were justified. Filter the audit "
            "log for one person's actions or for one record."
        ),
        steps=(
            _("Open “Audit log”."),
            _("Filter by an actor (for example trainee_analyst) or by an object type."),
            _("Read the justifications given for the consultations."),
        ),
        hints=(_("Every consultation of intelligence carries a justification."),),
        check=reviewed_log,
    ),
)
BY_KEY = {exercise.key: exercise for exercise in EXERCISES}


def for_user(user) -> list[Exercise]:
    """The exercises of the roles the person holds (a trainer holding every role sees all)."""
    roles = set(user.groups.values_list("name", flat=True))
    return [exercise for exercise in EXERCISES if exercise.role in roles]
