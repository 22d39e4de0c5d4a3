from ilp_platform.accounts.api import views

router_entries = [
    ("compartments", views.CompartmentViewSet, "compartment"),
    ("users", views.UserViewSet, "user"),
]
