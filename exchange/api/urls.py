"""API routes of the exchange app: (prefix, viewset, basename) for the shared router."""

router_entries: list = []
urlpatterns: list = []
