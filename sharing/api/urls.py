"""API routes of the sharing app: (prefix, viewset, basename) for the shared router."""

router_entries: list = []
urlpatterns: list = []
