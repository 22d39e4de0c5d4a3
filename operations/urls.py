from django.urls import path

from operations import views

app_name = "operations"

urlpatterns = [
    path("", views.OperationListView.as_view(), name="list"),
    path("new/", views.OperationCreateView.as_view(), name="create"),
    path("<int:pk>/", views.OperationDetailView.as_view(), name="detail"),
    path("<int:pk>/edit/", views.OperationEditView.as_view(), name="edit"),
    path("<int:pk>/timeline/", views.OperationTimelineView.as_view(), name="timeline"),
    path("<int:pk>/add/", views.OperationGatherView.as_view(), name="gather"),
    path("<int:pk>/remove/", views.OperationRemoveItemView.as_view(), name="remove"),
    path("<int:pk>/close/", views.OperationCloseView.as_view(), name="close"),
    path("<int:pk>/reopen/", views.OperationReopenView.as_view(), name="reopen"),
    path("<int:pk>/charts/new/", views.OperationChartCreateView.as_view(), name="chart_create"),
    path("charts/<int:pk>/", views.ChartDetailView.as_view(), name="chart"),
    path(
        "charts/<int:pk>/graphml/",
        views.ChartExportView.as_view(export_format="graphml"),
        name="chart_graphml",
    ),
    path(
        "charts/<int:pk>/svg/", views.ChartExportView.as_view(export_format="svg"), name="chart_svg"
    ),
    path(
        "charts/<int:pk>/csv/", views.ChartExportView.as_view(export_format="csv"), name="chart_csv"
    ),
    path("charts/<int:pk>/delete/", views.ChartDeleteView.as_view(), name="chart_delete"),
]
