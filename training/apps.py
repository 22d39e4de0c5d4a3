from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext_lazy as _


class TrainingConfig(AppConfig):
    name = "training"
    verbose_name = _("Training")

    def ready(self) -> None:
        from ilp_platform.core import training as flag
        from training.models import Installation

        # The cached flag (``core.training.is_training``) follows the row.
        def forget(**kwargs) -> None:
            flag.forget()

        post_save.connect(forget, sender=Installation, dispatch_uid="training.forget_save")
        post_delete.connect(forget, sender=Installation, dispatch_uid="training.forget_delete")
