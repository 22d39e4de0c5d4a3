from rest_framework.pagination import CursorPagination


class DefaultCursorPagination(CursorPagination):
    """Keyset pagination: page N costs what page 1 costs, at any depth.

    Ordered newest first by primary key, which is unique and indexed on every table.
    """

    ordering = "-pk"
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
