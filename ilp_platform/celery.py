"""Celery application: the embedded default uses the filesystem broker, production Redis."""

import logging
import os
import time

from celery import Celery
from celery.signals import worker_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ilp_platform.settings")

app = Celery("ilp_platform")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_init.connect
def warm_up_compiled_kernels(**_kwargs) -> None:
    """Compiles the near-repeat kernel (or loads it from the cache under the data directory)
    before the worker takes jobs, in the main process, so the pool's processes forked from it
    have it and no job pays the compilation (about a minute the first time on a busy
    machine, a second or two from the cache)."""
    from django.conf import settings

    # The settings set NUMBA_CACHE_DIR: read them before numba is imported.
    settings.DATA_DIR  # noqa: B018
    log = logging.getLogger(__name__)
    try:
        from analysis.algorithms import near_repeat_kernel
    except ImportError:
        log.info("numba is not installed: the near-repeat job counts with numpy")
        return
    started = time.monotonic()
    near_repeat_kernel.warm_up()
    log.info("near-repeat kernel ready in %.1f s", time.monotonic() - started)
