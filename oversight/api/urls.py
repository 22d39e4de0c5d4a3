from django.urls import path

from oversight.api import views

router_entries = [("audit/events", views.AuditEventViewSet, "auditevent")]

urlpatterns = [
    path("audit/verify/", views.AuditVerifyView.as_view(), name="audit-verify"),
    path("audit/disclosures/", views.DisclosureView.as_view(), name="audit-disclosure"),
]
