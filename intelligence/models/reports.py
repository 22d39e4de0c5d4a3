"""Intelligence reports, their grading history and their retention reviews."""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from audit.disclosure import DisclosureRules
from audit.mixins import AuditedModel
from ilp_platform.core.indexes import index_where_set
from ilp_platform.core.querysets import RestrictedQuerySet
from ilp_platform.core.references import stored
from intelligence import grading
from intelligence.choices import GradingScheme, ReportStatus, ReviewDecision

EVALUATE = "intelligence.evaluate_report"
REVIEW = "intelligence.review_report"
APPROVE_PRODUCT = "analysis.approve_product"


def reads_all_reports(user) -> bool:
    """Analysts and managers read every report in their compartments; others their own."""
    return user.has_perm(EVALUATE) or user.has_perm(REVIEW)


def may_see_special_category(user) -> bool:
    return user.has_perm(EVALUATE) or user.has_perm(REVIEW) or user.has_perm(APPROVE_PRODUCT)


class ReportQuerySet(RestrictedQuerySet):
    def visible_to(self, user) -> ReportQuerySet:
        """Compartment first, then the narrower rules documented on :class:`Report`."""
        qs = super().visible_to(user)
        if user is None or not getattr(user, "is_authenticated", False):
            return qs
        own = Q(submitted_by=user.pk)
        if reads_all_reports(user):
            qs = qs.filter(~Q(status=ReportStatus.DRAFT) | own)
        else:
            qs = qs.filter(own | (Q(source__handler=user.pk) & ~Q(status=ReportStatus.DRAFT)))
        if not may_see_special_category(user):
            qs = qs.filter(Q(has_special_category=False) | own)
        return qs

    def due_for_review(self, on_or_before):
        return self.filter(status=ReportStatus.EVALUATED, review_due__lte=on_or_before)


class Report(AuditedModel):
    """One piece of intelligence, graded under exactly one scheme.

    Who sees a report (``Report.objects.visible_to``), on top of the compartment grant:
    - analysts and managers (``evaluate_report`` or ``review_report``) see every report in
      their compartments except other people's drafts;
    - everyone else with ``view_report`` (officers, source handlers) sees the reports they
      submitted, and a handler also the non-draft reports of sources assigned to them;
    - a report marked ``has_special_category`` (LED Art. 10) is visible only to analysts and
      managers (``evaluate_report``, ``review_report`` or ``analysis.approve_product``) holding
      its compartment, and to the person who submitted it.

    The original ``text`` may identify the source: only its author, the source's handler and
    evaluating analysts (``evaluate_report``) read it; everyone else reads ``sanitised_text``.
    """

    urn = models.CharField(_("URN"), max_length=20, unique=True, editable=False)
    # No index of its own: intel_report_comp_visible leads with it.
    compartment = models.ForeignKey(
        "accounts.Compartment", on_delete=models.PROTECT, related_name="reports", db_index=False
    )
    status = models.CharField(
        _("status"), max_length=12, choices=ReportStatus.choices, default=ReportStatus.DRAFT
    )
    source = models.ForeignKey(
        "intelligence.Source",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        db_index=False,  # a partial index in Meta: most rows hold none
        related_name="reports",
        verbose_name=_("source"),
    )
    grading_scheme = models.CharField(
        _("grading scheme"),
        max_length=10,
        choices=GradingScheme.choices,
        default=GradingScheme.UK_3X5X2,
    )
    source_evaluation = models.CharField(_("source evaluation"), max_length=2)
    intelligence_assessment = models.CharField(_("intelligence assessment"), max_length=2)
    handling_code = models.CharField(_("handling code"), max_length=2)
    handling_conditions = models.TextField(_("handling conditions"), blank=True)
    text = models.TextField(_("original text"))
    sanitised_text = models.TextField(_("sanitised text"), blank=True)
    is_personal_assessment = models.BooleanField(
        _("personal assessment"),
        default=False,
        help_text=_("Tick when the report records an opinion or assessment rather than facts."),
    )
    has_special_category = models.BooleanField(
        _("special-category data"),
        default=False,
        help_text=_(
            "Ethnic origin, political opinions, religion, union membership, genetic or "
            "biometric data, health, sex life or orientation."
        ),
    )
    occurred_at = models.DateTimeField(_("occurred at"), null=True, blank=True)
    occurred_from = models.DateTimeField(_("occurred from"), null=True, blank=True)
    occurred_to = models.DateTimeField(_("occurred to"), null=True, blank=True)
    latitude = models.FloatField(
        _("latitude"),
        null=True,
        blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    longitude = models.FloatField(
        _("longitude"),
        null=True,
        blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )
    place_name = models.CharField(_("place name"), max_length=200, blank=True)
    crime_types = models.ManyToManyField(
        "intelligence.CrimeType", blank=True, related_name="reports", verbose_name=_("crime types")
    )
    retention_class = models.ForeignKey(
        "intelligence.RetentionClass",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        verbose_name=_("retention class"),
    )
    review_due = models.DateField(_("review due"), null=True, blank=True)
    # No index of its own: intel_report_submitter leads with it.
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="submitted_reports",
        db_index=False,
    )
    # The unit that owns the record: its author's unit at creation (``sharing.owning``).
    owning_unit = models.ForeignKey(
        "accounts.Unit",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        db_index=False,  # a partial index in Meta: most rows hold none
        related_name="+",
        verbose_name=_("owning unit"),
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    evaluated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        db_index=False,  # a partial index in Meta: most rows hold none
        related_name="evaluated_reports",
    )
    evaluated_at = models.DateTimeField(_("evaluated at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    erased_at = models.DateTimeField(_("erased at"), null=True, blank=True)
    erased_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        db_index=False,  # a partial index in Meta: most rows hold none
        related_name="erased_reports",
    )
    erasure_reason = models.TextField(_("erasure reason"), blank=True)
    # The evaluation queue's workflow: who is to evaluate the report, and the day before which
    # it stays out of the queue's default view (``intelligence.services.evaluation_queue``).
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        db_index=False,  # a partial index in Meta: most rows hold none
        related_name="assigned_reports",
        verbose_name=_("assigned to"),
    )
    assigned_at = models.DateTimeField(_("assigned at"), null=True, blank=True)
    deferred_until = models.DateField(_("deferred until"), null=True, blank=True)
    deferred_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        db_index=False,  # a partial index in Meta: most rows hold none
        related_name="deferred_reports",
        verbose_name=_("deferred by"),
    )
    # What full-text search reads: sanitised text, place, crime types, linked entities. Never
    # the original text. Kept by the services; on PostgreSQL a trigger derives search_vector.
    search_document = models.TextField(blank=True, editable=False)
    search_vector = SearchVectorField(null=True, editable=False)

    objects = ReportQuerySet.as_manager()

    audit_restricted_fields = ("text", "sanitised_text", "handling_conditions", "erasure_reason")
    audit_ignored_fields = ("search_document", "search_vector", "updated_at")

    class Meta:
        ordering = ["-id"]
        verbose_name = _("intelligence report")
        permissions = [
            ("evaluate_report", "Can evaluate, grade and sanitise reports"),
            ("review_report", "Can review reports for retention or erasure"),
        ]
        indexes = [
            # Lists of a compartment by status, newest first; and which reports a person may
            # read (``visible_to``) answered from the index alone on PostgreSQL, without
            # reading the rows: the network job's mentions at scale L in 0.27 s instead of
            # 0.70 s. SQLite builds it without the included columns.
            models.Index(
                fields=["compartment", "status", "-id"],
                include=["submitted_by", "has_special_category"],
                name="intel_report_comp_visible",
            ),
            models.Index(fields=["status", "review_due"], name="intel_report_review_due"),
            models.Index(fields=["submitted_by", "-id"], name="intel_report_submitter"),
            # References many reports leave empty (no source; not yet evaluated; never erased,
            # assigned or deferred; no unit for a pushed package), indexed where they are set:
            # a lookup by one reads the index as before, and a report stored with them empty
            # (all 10,000 of a received package) skips the index.
            *(
                index_where_set(field, f"intel_report_{field}_set")
                for field in (
                    "source",
                    "owning_unit",
                    "evaluated_by",
                    "erased_by",
                    "assigned_to",
                    "deferred_by",
                )
            ),
        ]

    def __str__(self) -> str:
        return self.urn

    def get_absolute_url(self) -> str:
        return reverse("intelligence:report_detail", args=[self.pk])

    # -- grading in words ------------------------------------------------------------------
    @property
    def grade_code(self) -> str:
        return grading.grade_code(
            self.grading_scheme, self.source_evaluation, self.intelligence_assessment
        )

    @property
    def grade_in_words(self) -> str:
        return grading.describe(
            self.grading_scheme, self.source_evaluation, self.intelligence_assessment
        )

    @property
    def handling_in_words(self) -> str:
        return grading.meaning(self.grading_scheme, grading.HANDLING, self.handling_code)

    @property
    def is_erased(self) -> bool:
        return self.status == ReportStatus.ERASED

    def is_overdue(self, today) -> bool:
        return bool(self.review_due and self.review_due < today)

    # -- who reads what ----------------------------------------------------------------------
    def original_visible_to(self, user) -> bool:
        """The original text: its author, the source's handler, evaluating analysts."""
        if user is None or not user.is_authenticated:
            return False
        if self.submitted_by_id == user.pk:
            return True
        if self.source_id and stored(self, "source").handler_id == user.pk:
            return True
        return user.has_perm(EVALUATE)

    def disclosure_rules(self) -> DisclosureRules:
        """What the handling code allows when this report leaves the unit.

        Admiralty reports carry the 3x5x2 handling codes (P, C) and follow the 3x5x2 rules.
        """
        code = self.handling_code
        scheme = self.grading_scheme
        conditions = self.handling_conditions.strip()
        if code in grading.DISSEMINATION_BLOCKED.get(scheme, set()):
            reason = (
                gettext("5x5x5 handling code 4: only within the originating agency.")
                if code == "4"
                else gettext(
                    "5x5x5 handling code 5: no further dissemination; refer to the originator."
                )
            )
            return DisclosureRules(handling_code=code, blocked_reason=reason, conditions=conditions)
        if scheme == GradingScheme.EUROPOL_4X4:
            if code == "H1":
                note = gettext(
                    "H1: not to be disclosed in judicial proceedings without the provider's "
                    "permission."
                )
                if conditions:
                    note = f"{note} {conditions}"
                return DisclosureRules(handling_code=code, conditions=note)
            if code == "H2":
                return DisclosureRules(
                    handling_code=code, conditions=conditions, needs_provider_permission=True
                )
            if code == "H3":
                return DisclosureRules(handling_code=code, conditions=conditions)
            return DisclosureRules(handling_code=code)
        if grading.conditions_required(scheme, code):
            return DisclosureRules(handling_code=code, conditions=conditions)
        return DisclosureRules(handling_code=code)


class GradingQuerySet(RestrictedQuerySet):
    pass


class Grading(AuditedModel):
    """One grading decision on a report: who, when, why, and the codes before and after.

    Governed by its report's compartment (``compartment_path``).
    """

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="gradings")
    old_scheme = models.CharField(max_length=10, blank=True)
    old_source_evaluation = models.CharField(max_length=2, blank=True)
    old_intelligence_assessment = models.CharField(max_length=2, blank=True)
    old_handling_code = models.CharField(max_length=2, blank=True)
    new_scheme = models.CharField(max_length=10)
    new_source_evaluation = models.CharField(max_length=2)
    new_intelligence_assessment = models.CharField(max_length=2)
    new_handling_code = models.CharField(max_length=2)
    reason = models.TextField(_("reason"))
    graded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    graded_at = models.DateTimeField(_("graded at"), auto_now_add=True)

    objects = GradingQuerySet.as_manager()
    compartment_path = "report__compartment"

    class Meta:
        ordering = ["-graded_at", "-id"]
        verbose_name = _("grading")

    def __str__(self) -> str:
        return f"{self.report_id}: {self.old_description} -> {self.new_description}"

    @property
    def old_description(self) -> str:
        if not self.old_scheme:
            return ""
        return (
            grading.grade_code(
                self.old_scheme, self.old_source_evaluation, self.old_intelligence_assessment
            )
            + f" {self.old_handling_code}"
        )

    @property
    def new_description(self) -> str:
        return (
            grading.grade_code(
                self.new_scheme, self.new_source_evaluation, self.new_intelligence_assessment
            )
            + f" {self.new_handling_code}"
        )


class ReviewQuerySet(RestrictedQuerySet):
    pass


class Review(AuditedModel):
    """A retention review (LED Art. 5, MoPI): retain with a reason and next date, or erase."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="reviews")
    decision = models.CharField(_("decision"), max_length=10, choices=ReviewDecision.choices)
    reason = models.TextField(_("reason"))
    next_review_due = models.DateField(_("next review due"), null=True, blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    reviewed_at = models.DateTimeField(_("reviewed at"), auto_now_add=True)

    objects = ReviewQuerySet.as_manager()
    compartment_path = "report__compartment"

    class Meta:
        ordering = ["-reviewed_at", "-id"]
        verbose_name = _("retention review")

    def __str__(self) -> str:
        return f"{self.report_id}: {self.decision}"
