"""API routes of the exchange app: (prefix, viewset, basename) for the shared router."""

from exchange.api import views

router_entries = [
    ("exchange/identity", views.IdentityViewSet, "exchange-identity"),
    ("exchange/partners", views.PartnerViewSet, "exchange-partner"),
    ("exchange/packages", views.PackageViewSet, "exchange-package"),
    ("exchange/inbox", views.InboxViewSet, "exchange-inbox"),
]
urlpatterns: list = []
