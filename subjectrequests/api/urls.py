"""API routes of the subjectrequests app: (prefix, viewset, basename) for the shared router."""

from subjectrequests.api import views

router_entries = [("subject-requests", views.SubjectRequestViewSet, "subjectrequest")]
urlpatterns: list = []
