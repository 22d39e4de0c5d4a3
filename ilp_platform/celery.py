"""Celery application: the embedded default uses the filesystem broker, production Redis."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ilp_platform.settings")

app = Celery("ilp_platform")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
