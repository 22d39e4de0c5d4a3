"""The training installation's flag and each trainee's progress through the exercises."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

# The permission that lets a trainer see every trainee's progress.
VIEW_ALL = "training.view_all_progress"


class Installation(models.Model):
    """One row on a training installation, written by ``seed_training``: the installation holds
    fictional data only (``core.training.is_training`` reads it), in which language the
    scenario was written, and the scenario's records the exercises are checked against."""

    is_training = models.BooleanField(_("training installation"), default=True)
    language = models.CharField(_("scenario language"), max_length=10)
    seeded_at = models.DateTimeField(_("scenario loaded"))
    resets = models.PositiveIntegerField(_("resets"), default=0)
    # Ids of the scenario's records: {"ungraded_reports": [...], "meeting": id, ...}.
    scenario = models.JSONField(_("scenario records"), default=dict)

    class Meta:
        verbose_name = _("training installation")
        verbose_name_plural = _("training installations")

    def __str__(self) -> str:
        return f"training ({self.language}, {self.seeded_at:%Y-%m-%d %H:%M})"


class ProgressQuerySet(models.QuerySet):
    def visible_to(self, user):
        """A trainee's own rows; a trainer's, everyone's."""
        if user is None or not user.is_authenticated:
            return self.none()
        if user.has_perm(VIEW_ALL):
            return self
        return self.filter(trainee=user.pk)


class ExerciseProgress(models.Model):
    """Where one trainee stands on one exercise: hints shown, when it was found done."""

    trainee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="exercise_progress"
    )
    exercise = models.CharField(_("exercise"), max_length=64)
    hints_shown = models.PositiveSmallIntegerField(_("hints shown"), default=0)
    started_at = models.DateTimeField(_("started"), auto_now_add=True)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)

    objects = ProgressQuerySet.as_manager()

    class Meta:
        verbose_name = _("exercise progress")
        verbose_name_plural = _("exercise progress")
        constraints = [
            models.UniqueConstraint(fields=["trainee", "exercise"], name="training_progress_once")
        ]
        permissions = [("view_all_progress", "Can see every trainee's progress")]

    def __str__(self) -> str:
        return f"{self.trainee_id}: {self.exercise}"
