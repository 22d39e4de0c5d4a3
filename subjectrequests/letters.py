"""The response letter as a PDF (WeasyPrint through ``ilp_platform.web.pdf``)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from subjectrequests import services
from subjectrequests.models import SubjectRequest


def letter_pdf(request: SubjectRequest) -> tuple[bytes, str]:
    """(PDF bytes, file name); the letter's production is audited first."""
    from ilp_platform.web.pdf import render_pdf

    context = services.letter_context(request)
    services.record_letter(request, context)
    marking = _("OFFICIAL-SENSITIVE: PERSONAL DATA · %(ref)s") % {"ref": request.reference}
    body = render_pdf("subjectrequests/letter.html", context, marking=marking)
    return body, f"{request.reference}-letter.pdf"
