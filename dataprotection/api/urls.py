"""API routes of the dataprotection app: (prefix, viewset, basename) for the shared router."""

router_entries: list = []
urlpatterns: list = []
