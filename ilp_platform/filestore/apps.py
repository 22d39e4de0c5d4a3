from django.apps import AppConfig


class FilestoreConfig(AppConfig):
    name = "ilp_platform.filestore"
    label = "filestore"
    verbose_name = "Shared file storage"
    default_auto_field = "django.db.models.BigAutoField"
