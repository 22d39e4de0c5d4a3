"""Settings for the benchmark's web servers: the application's settings, plus one switch.

``ILP_BENCH_AUDIT_OFF=1`` wraps every request in ``audit.services.suspended()`` so the runner
can measure the same views without auditing, side by side with the audited server. It exists
for that reference measurement only and must **never** be used in production: it switches off
the data-protection log. Nothing outside ``benchmarks/`` imports this module.
"""

import os

from ilp_platform.settings import *  # noqa: F403
from ilp_platform.settings import MIDDLEWARE

if os.environ.get("ILP_BENCH_AUDIT_OFF") == "1":
    MIDDLEWARE = ["benchmarks.middleware.AuditSuspendedMiddleware", *MIDDLEWARE]
