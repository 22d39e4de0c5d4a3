"""API routes of the dataprotection app: (prefix, viewset, basename) for the shared router."""

from dataprotection.api import views

router_entries = [
    ("processing-records", views.ProcessingRecordViewSet, "processingrecord"),
    ("impact-assessments", views.ImpactAssessmentViewSet, "impactassessment"),
    ("proportionality-packs", views.ProportionalityPackViewSet, "proportionalitypack"),
]
urlpatterns: list = []
