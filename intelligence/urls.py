from django.urls import path

from intelligence import views
from intelligence.imports import views as imports

app_name = "intelligence"

urlpatterns = [
    path("reports/", views.ReportListView.as_view(), name="report_list"),
    path("reports/new/", views.ReportCreateView.as_view(), name="report_create"),
    path("reports/bulk/", views.ReportBulkView.as_view(), name="report_bulk"),
    path("reports/<int:pk>/", views.ReportDetailView.as_view(), name="report_detail"),
    path("reports/<int:pk>/edit/", views.ReportEditView.as_view(), name="report_edit"),
    path("reports/<int:pk>/submit/", views.ReportSubmitView.as_view(), name="report_submit"),
    path("reports/<int:pk>/evaluate/", views.ReportEvaluateView.as_view(), name="report_evaluate"),
    path("reports/<int:pk>/regrade/", views.ReportRegradeView.as_view(), name="report_regrade"),
    path("reports/<int:pk>/review/", views.ReportReviewView.as_view(), name="report_review"),
    path(
        "reports/<int:pk>/entities/", views.ReportEntityAddView.as_view(), name="report_entity_add"
    ),
    path(
        "reports/<int:pk>/suggestions/dismiss/",
        views.ReportSuggestionDismissView.as_view(),
        name="report_suggestion_dismiss",
    ),
    path("evaluate/", views.EvaluationQueueView.as_view(), name="evaluation_queue"),
    path("evaluate/bulk/", views.EvaluationBulkView.as_view(), name="evaluation_bulk"),
    path("reviews/", views.ReviewQueueView.as_view(), name="review_queue"),
    path("search/", views.SearchView.as_view(), name="search"),
    path("entities/", views.EntityListView.as_view(), name="entity_list"),
    path("entities/timeline/", views.EntitySetTimelineView.as_view(), name="entity_set_timeline"),
    path("entities/new/", views.EntityCreateView.as_view(), name="entity_create"),
    path("entities/<int:pk>/", views.EntityDetailView.as_view(), name="entity_detail"),
    path("entities/<int:pk>/merge/", views.EntityMergeView.as_view(), name="entity_merge"),
    path("entities/<int:pk>/edit/", views.EntityEditView.as_view(), name="entity_edit"),
    path(
        "entities/<int:pk>/links/", views.EntityLinkCreateView.as_view(), name="entity_link_create"
    ),
    path("sources/", views.SourceListView.as_view(), name="source_list"),
    path("sources/new/", views.SourceCreateView.as_view(), name="source_create"),
    path("sources/<int:pk>/", views.SourceDetailView.as_view(), name="source_detail"),
    path("incidents/", views.IncidentListView.as_view(), name="incident_list"),
    path("incidents/new/", views.IncidentCreateView.as_view(), name="incident_create"),
    path("incidents/<int:pk>/", views.IncidentDetailView.as_view(), name="incident_detail"),
    path("imports/", imports.ImportListView.as_view(), name="import_list"),
    path("imports/new/", imports.ImportUploadView.as_view(), name="import_upload"),
    path("imports/mapping/", imports.ImportMappingView.as_view(), name="import_mapping"),
    path("imports/<int:pk>/", imports.ImportDetailView.as_view(), name="import_detail"),
    path(
        "imports/<int:pk>/progress/", imports.ImportProgressView.as_view(), name="import_progress"
    ),
]
