"""What a product shows, as plain JSON: its content (the working copy, or what a version
freezes), the protective marking, the content hash, and the handling rule a product meets
(its handling code at least as restrictive as the material it cites)."""

from __future__ import annotations

import hashlib
import json

from django.utils.translation import gettext as _

from analysis.choices import ProductKind
from analysis.models import Citation, Product, ProductVersion
from intelligence import grading
from intelligence.choices import GradingScheme

# How restrictive each handling code is, comparable across schemes: 0 is the widest sharing.
# 3x5x2 and Admiralty: P (lawful sharing) 0, C (sharing only under conditions) 2;
# 5x5x5: 1..5 map to 0..4; Europol 4x4: H0..H3 map to 0..3.
HANDLING_RANK: dict[str, dict[str, int]] = {
    GradingScheme.UK_3X5X2: {"P": 0, "C": 2},
    GradingScheme.ADMIRALTY: {"P": 0, "C": 2},
    GradingScheme.UK_5X5X5: {"1": 0, "2": 1, "3": 2, "4": 3, "5": 4},
    GradingScheme.EUROPOL_4X4: {"H0": 0, "H1": 1, "H2": 2, "H3": 3},
}


def handling_rank(scheme: str, code: str) -> int:
    return HANDLING_RANK.get(scheme, {}).get(code, 0)


def handling_problems(product: Product, citations=None) -> list[str]:
    """Why the product's handling code is less restrictive than material it cites (if so)."""
    citations = product.citations.all() if citations is None else citations
    own = handling_rank(product.handling_scheme, product.handling_code)
    problems = []
    for citation in citations:
        handling = (citation.snapshot or {}).get("handling") or {}
        if not handling:
            continue
        rank = handling_rank(handling.get("scheme", ""), handling.get("code", ""))
        if rank > own:
            problems.append(
                _(
                    "%(label)s carries handling code %(code)s (%(scheme)s), more restrictive "
                    "than the product's %(own)s (%(own_scheme)s): choose a handling code at "
                    "least as restrictive."
                )
                % {
                    "label": (citation.snapshot or {}).get("label", ""),
                    "code": handling.get("code", ""),
                    "scheme": handling.get("scheme", ""),
                    "own": product.handling_code,
                    "own_scheme": product.handling_scheme,
                }
            )
    return problems


def _normalised(value):
    # A database may give back 1e20 or 2.0 as an integer (PostgreSQL jsonb keeps numerics);
    # whole floats hash as integers so a stored version still matches its hash when re-read.
    if isinstance(value, dict):
        return {str(k): _normalised(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_normalised(v) for v in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _canonical(content: dict) -> bytes:
    return json.dumps(
        _normalised(content), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    ).encode()


def content_hash(content: dict) -> str:
    return hashlib.sha256(_canonical(content)).hexdigest()


def citation_content(citation: Citation) -> dict:
    return {
        "id": citation.pk,
        "kind": citation.kind,
        "target_id": citation.report_id or citation.entity_id or citation.job_id,
        "note": citation.note,
        "snapshot": citation.snapshot,
    }


def marking(scheme: str, code: str, compartment_name: str) -> str:
    """The protective marking printed on every page: handling code, meaning, compartment."""
    meaning = grading.meaning(scheme, grading.HANDLING, code)
    return _("HANDLING %(code)s (%(scheme)s): %(meaning)s | COMPARTMENT: %(compartment)s") % {
        "code": code,
        "scheme": scheme,
        "meaning": meaning,
        "compartment": compartment_name,
    }


def product_content(product: Product, citations=None) -> dict:
    """What the product shows, as plain JSON: the working copy, or what a version freezes."""
    citations = product.citations.all() if citations is None else citations
    return {
        "reference": product.reference,
        "kind": product.kind,
        "kind_label": str(ProductKind(product.kind).label),
        "title": product.title,
        "terms_of_reference": product.terms_of_reference,
        "sections": [dict(s) for s in product.sections or []],
        "compartment": {"slug": product.compartment.slug, "name": product.compartment.name},
        "handling": {
            "scheme": product.handling_scheme,
            "code": product.handling_code,
            "meaning": grading.meaning(
                product.handling_scheme, grading.HANDLING, product.handling_code
            ),
            "conditions": product.handling_conditions,
        },
        "marking": marking(
            product.handling_scheme, product.handling_code, product.compartment.name
        ),
        "author": product.author.get_username(),
        "version": product.version,
        "citations": [citation_content(c) for c in citations],
    }


def current_version(product: Product) -> ProductVersion | None:
    return product.versions.order_by("-number").first()
