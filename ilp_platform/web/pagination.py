import re

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import CursorPagination

_WHOLE_NUMBER = re.compile(r"[+-]?[0-9]+")


class DefaultCursorPagination(CursorPagination):
    """Keyset pagination: page N costs what page 1 costs, at any depth.

    Ordered newest first by primary key, which is unique and indexed on every table.

    Its parameters are checked like any other: ``page_size`` is a whole number from 1 (larger
    than ``max_page_size`` is capped), a ``cursor`` is one this API gave out; anything else
    answers 400 naming the parameter. Empty values are the same as none (the first page, the
    default size).
    """

    # A string here; the tuple get_ordering() gives once a page is being read.
    ordering: str | list[str] | tuple[str, ...] = "-pk"
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
    invalid_cursor_message = "Invalid cursor: use the `next` or `previous` link of a page."

    def paginate_queryset(self, queryset, request, view=None):
        self._model = queryset.model
        return super().paginate_queryset(queryset, request, view)

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param, "").strip()
        if not raw:
            return self.page_size
        if not (raw.isascii() and _WHOLE_NUMBER.fullmatch(raw)) or int(raw) < 1:
            raise ValidationError(
                {
                    self.page_size_query_param: [
                        _("A whole number from 1 is required (at most %(count)s are returned).")
                        % {"count": self.max_page_size}
                    ]
                }
            )
        return min(int(raw), self.max_page_size)

    def decode_cursor(self, request):
        try:
            cursor = super().decode_cursor(request)
        except NotFound:
            raise ValidationError(
                {self.cursor_query_param: [self.invalid_cursor_message]}
            ) from None
        if cursor is not None and cursor.position is not None:
            # The position is compared with the ordering column: it must be one of its values.
            ordering = self.ordering  # the tuple get_ordering() gave, by now
            name = (ordering if isinstance(ordering, str) else ordering[0]).lstrip("-")
            model = getattr(self, "_model", None)
            if model is not None:
                field = model._meta.pk if name == "pk" else model._meta.get_field(name)
                try:
                    field.to_python(cursor.position)
                except DjangoValidationError:
                    raise ValidationError(
                        {self.cursor_query_param: [self.invalid_cursor_message]}
                    ) from None
        return cursor

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.cursor_query_param:
                parameter["description"] = (
                    "The `next` or `previous` link's cursor; another value answers 400."
                )
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"]["minimum"] = 1
                parameter["description"] = (
                    f"Results per page (default {self.page_size}; at most "
                    f"{self.max_page_size} are returned)."
                )
        return parameters
