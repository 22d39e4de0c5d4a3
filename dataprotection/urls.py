"""Pages of the dataprotection app."""

from django.urls import path

from dataprotection import views

app_name = "dataprotection"
urlpatterns = [
    path("", views.RecordListView.as_view(), name="record_list"),
    path("records/export/", views.RegisterExportView.as_view(), name="register_export"),
    path("records/<int:pk>/", views.RecordDetailView.as_view(), name="record_detail"),
    path("records/<int:pk>/edit/", views.RecordEditView.as_view(), name="record_edit"),
    path("assessments/", views.AssessmentListView.as_view(), name="assessment_list"),
    path("assessments/new/", views.AssessmentCreateView.as_view(), name="assessment_create"),
    path("assessments/<int:pk>/", views.AssessmentDetailView.as_view(), name="assessment_detail"),
    path("assessments/<int:pk>/edit/", views.AssessmentEditView.as_view(), name="assessment_edit"),
    path(
        "assessments/<int:pk>/approve/",
        views.AssessmentApproveView.as_view(),
        name="assessment_approve",
    ),
    path("packs/", views.PackListView.as_view(), name="pack_list"),
    path("packs/new/", views.PackCreateView.as_view(), name="pack_create"),
    path("packs/verify/", views.PackVerifyView.as_view(), name="pack_verify"),
    path("packs/<int:pk>/", views.PackDetailView.as_view(), name="pack_detail"),
    path("packs/<int:pk>/json/", views.PackDownloadView.as_view(fmt="json"), name="pack_json"),
    path("packs/<int:pk>/pdf/", views.PackDownloadView.as_view(fmt="pdf"), name="pack_pdf"),
]
