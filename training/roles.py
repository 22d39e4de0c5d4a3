"""The permissions this app's models give each role, merged into
``ilp_platform.accounts.roles.ROLE_PERMISSIONS``.

None: every signed-in person of a training installation sees their own exercises, and the
trainer's ``training.view_all_progress`` is granted to the trainer's account by the seed, not
to a role (a real installation has no trainer)."""

from __future__ import annotations

ROLE_PERMISSIONS: dict[str, list[str]] = {}
