"""API routes of the subjectrequests app: (prefix, viewset, basename) for the shared router."""

router_entries: list = []
urlpatterns: list = []
