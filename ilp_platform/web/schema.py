"""The OpenAPI schema: authentication classes, and the error responses of every operation.

:class:`ErrorDocumentingAutoSchema` (``REST_FRAMEWORK["DEFAULT_SCHEMA_CLASS"]``) adds to each
operation the error responses it can give, from what the view declares, so a new endpoint is
documented by default:

- 400 (a JSON object naming each bad field or query parameter and why): writes, operations
  with query parameters, and every operation of a restricted viewset (a NUL in any query
  parameter is refused there);
- 401 and 403: every operation that needs authentication (403 also where it is documented
  explicitly, e.g. a locked-out login);
- 404: operations on one record (a path parameter, or a GET answering one object): missing,
  or outside the caller's compartments, which look the same;
- 409: writes of views that set ``writes_may_conflict`` (the record's state forbids the
  change), and wherever a view documents its own 409;
- 428: operations that need an ``X-Justification`` (``requires_justification`` on reads, and
  ``justification_for_writes`` for a write that consults data, an analysis job);
- 503: every operation (the audit trail cannot be written: nothing was read or changed).

Responses a view documents itself are kept; those without a body get the standard one. Optional
query parameters are marked ``allowEmptyValue``: an empty value is the same as leaving the
parameter out (no filter, the default page, the default format).
"""

from __future__ import annotations

from drf_spectacular.authentication import SessionScheme, TokenScheme
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import ResolvedComponent, build_media_type_object
from drf_spectacular.utils import OpenApiParameter
from rest_framework import permissions

WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
JUSTIFICATION_HEADER = "X-Justification"

ERROR_SCHEMA = {
    "type": "object",
    "description": "An error: `detail` says what went wrong.",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}
VALIDATION_ERROR_SCHEMA = {
    "type": "object",
    "description": (
        "Each bad field or query parameter, by name, with its reasons: a list of messages, or "
        "the errors of a nested object or list. `non_field_errors` holds problems of the whole "
        "request; `detail` is given alone when the body cannot be read at all."
    ),
    "additionalProperties": {},
}

DESCRIPTIONS = {
    "400": "Invalid request: the body names each bad field or query parameter and why.",
    "401": "Not authenticated: no credentials, or invalid ones.",
    "403": "Your role does not allow this.",
    "404": "Not found: the record does not exist or is outside your compartments (the two "
    "answers are the same).",
    "409": "The record's state forbids this change; the body gives the reason.",
    "415": "The body is in a media type this operation does not read: send JSON.",
    "428": "The X-Justification header is missing: consulting intelligence content needs a "
    "stated purpose (a case reference or the reason).",
    "503": "The audit trail cannot be written just now; nothing was read or changed.",
}
# Bodies in the shape of a validation error (field -> messages); the others carry ``detail``.
FIELD_ERROR_CODES = {"400", "409"}


class ErrorDocumentingAutoSchema(AutoSchema):
    """drf-spectacular's schema plus the standard error responses of each operation."""

    def _is_write(self) -> bool:
        return self.method in WRITE_METHODS

    def _restricted(self) -> bool:
        from ilp_platform.web.api import RestrictedViewSetMixin

        return isinstance(self.view, RestrictedViewSetMixin)

    def needs_justification(self) -> bool:
        if not (self._restricted() and getattr(self.view, "requires_justification", False)):
            return False
        if self.method in ("GET", "HEAD"):
            return True
        return self._is_write() and getattr(self.view, "justification_for_writes", False)

    def _authenticated(self) -> bool:
        return any(
            not isinstance(permission, permissions.AllowAny)
            for permission in self.view.get_permissions()
        )

    def get_override_parameters(self):
        parameters = list(super().get_override_parameters())
        if self.needs_justification():
            parameters.append(
                OpenApiParameter(
                    JUSTIFICATION_HEADER,
                    str,
                    location=OpenApiParameter.HEADER,
                    required=False,
                    description="Why you consult this: a case reference or the purpose. "
                    "Needed here (428 without it) unless your browser session holds one.",
                )
            )
        return parameters

    def get_operation(self, *args, **kwargs):
        operation = super().get_operation(*args, **kwargs)
        if operation is None:
            return None
        parameters = operation.get("parameters", [])
        for parameter in parameters:
            if parameter["in"] == "query" and not parameter.get("required"):
                parameter["allowEmptyValue"] = True
        responses = operation["responses"]
        for code in sorted(self.error_codes(responses, parameters)):
            response = responses.setdefault(code, {"description": DESCRIPTIONS.get(code, "")})
            if not response.get("description"):
                response["description"] = DESCRIPTIONS.get(code, "")
            if not response.get("content"):
                response["content"] = {
                    "application/json": build_media_type_object(self._error_component(code))
                }
        operation["responses"] = dict(sorted(responses.items()))
        return operation

    def error_codes(self, documented, parameters) -> set[str]:
        codes = {"503"}
        has_query = any(p["in"] == "query" for p in parameters)
        if self._is_write() or has_query or self._restricted():
            codes.add("400")
        if self._authenticated():
            codes.update({"401", "403"})
        if any(p["in"] == "path" for p in parameters) or (
            self.method == "GET" and not self._is_list_view()
        ):
            codes.add("404")
        if self._is_write() and getattr(self.view, "writes_may_conflict", False):
            codes.add("409")
        if self._is_write() and self.method != "DELETE":
            codes.add("415")  # a body the parsers cannot read (no or an unknown media type)
        if self.needs_justification():
            codes.add("428")
        return codes | {code for code in documented if code >= "400"}

    def _error_component(self, code: str) -> dict:
        name, schema = (
            ("ValidationError", VALIDATION_ERROR_SCHEMA)
            if code in FIELD_ERROR_CODES
            else ("Error", ERROR_SCHEMA)
        )
        component = ResolvedComponent(
            name=name, type=ResolvedComponent.SCHEMA, schema=schema, object=name
        )
        self.registry.register_on_missing(component)
        return component.ref


class AuditedSessionScheme(SessionScheme):
    target_class = "ilp_platform.web.authentication.AuditedSessionAuthentication"


class AuditedTokenScheme(TokenScheme):
    target_class = "ilp_platform.web.authentication.AuditedTokenAuthentication"
