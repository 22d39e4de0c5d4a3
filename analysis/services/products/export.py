"""Export: a product (a frozen version, or the working copy while none is approved) as PDF
or standalone HTML, with its handling code and compartment on every page; a consultation in
the audit trail."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from analysis.models import Product, ProductVersion
from analysis.services.products.content import current_version, product_content
from audit import services as audit
from audit.choices import Action
from ilp_platform.core import training


def _print_css() -> str:
    """The print stylesheet's text, inlined so an exported HTML file stands alone."""
    from django.contrib.staticfiles import finders

    found = finders.find("css/print.css")
    if not found:
        return ""
    with open(found, encoding="utf-8") as handle:
        return handle.read()


def export_context(product: Product, version: ProductVersion | None) -> dict:
    if version is not None:
        content, frozen = version.content, True
    else:
        content, frozen = product_content(product), False
    return {
        "content": content,
        "frozen": frozen,
        "version": version,
        "content_hash": version.content_hash if version else "",
        "draft_notice": "" if frozen else _("WORKING COPY: NOT APPROVED"),
        "exported_at": timezone.now(),
    }


def export_product(product: Product, *, actor, fmt: str, number=None) -> tuple[bytes, str, str]:
    """Consultation: the product (a frozen version, by default the latest; the working copy
    when none is approved) as PDF or standalone HTML. Returns (bytes, filename, mime type)."""
    from django.template.loader import render_to_string

    from ilp_platform.web.pdf import render_pdf

    if fmt not in ("pdf", "html"):
        raise ValidationError({"fmt": [_("Export as “pdf” or “html”.")]})
    version: ProductVersion | None
    if number not in (None, ""):
        try:
            version = product.versions.get(number=int(number))
        except (ValueError, TypeError, ProductVersion.DoesNotExist):
            raise ValidationError(
                {
                    "version": [
                        _("Product %(ref)s has no version %(n)s.")
                        % {"ref": product.reference, "n": number}
                    ]
                }
            ) from None
    else:
        version = current_version(product)
    context = export_context(product, version)
    content = context["content"]
    mark = content["marking"]
    if context["draft_notice"]:
        mark = f"{context['draft_notice']} | {mark}"
    context["marking"] = mark
    stem = f"{content['reference']}-v{content['version']}"
    with transaction.atomic():
        audit.record(
            Action.EXPORT,
            obj=product,
            details={
                "format": fmt,
                "version": version.number if version else None,
                "frozen": version is not None,
                "content_hash": version.content_hash if version else "",
            },
        )
        if fmt == "pdf":
            data = render_pdf(
                "analysis/pdf/product.html", {**context, "for_pdf": True}, marking=mark
            )
            return data, f"{stem}.pdf", "application/pdf"
        html = training.watermark_html(
            render_to_string(
                "analysis/pdf/product.html",
                {**context, "for_pdf": False, "print_css": _print_css()},
            )
        )
        return html.encode("utf-8"), f"{stem}.html", "text/html; charset=utf-8"
