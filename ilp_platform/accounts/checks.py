"""Deployment checks for the authentication settings (run by ``check --deploy``)."""

from django.conf import settings
from django.core.checks import Tags, Warning, register

from ilp_platform.accounts.choices import Role


@register(Tags.security, deploy=True)
def check_two_factor(app_configs, **kwargs):
    problems = []
    if not settings.TWO_FACTOR_ENFORCED:
        problems.append(
            Warning(
                "TWO_FACTOR_ENFORCED is off: managers, oversight and administrators can log in "
                "with a password alone.",
                hint="Unset TWO_FACTOR_ENFORCED (production turns it on) or set it to true.",
                id="accounts.W001",
            )
        )
    unknown = sorted(set(settings.TWO_FACTOR_ROLES) - set(Role.values))
    if unknown:
        problems.append(
            Warning(
                f"TWO_FACTOR_ROLES names roles that do not exist: {', '.join(unknown)}.",
                hint=f"Use role names from: {', '.join(Role.values)}.",
                id="accounts.W002",
            )
        )
    return problems
