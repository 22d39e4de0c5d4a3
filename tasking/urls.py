from django.urls import path

from tasking import views

app_name = "tasking"

urlpatterns = [
    path("meetings/", views.MeetingListView.as_view(), name="meeting_list"),
    path("meetings/new/", views.MeetingCreateView.as_view(), name="meeting_create"),
    path("meetings/<int:pk>/", views.MeetingDetailView.as_view(), name="meeting_detail"),
    path("meetings/<int:pk>/open/", views.MeetingOpenView.as_view(), name="meeting_open"),
    path("meetings/<int:pk>/close/", views.MeetingCloseView.as_view(), name="meeting_close"),
    path("meetings/<int:pk>/decisions/", views.DecisionAddView.as_view(), name="decision_add"),
    path(
        "meetings/<int:pk>/priorities/<int:priority_pk>/decide/",
        views.PriorityDecideView.as_view(),
        name="priority_decide",
    ),
    path(
        "meetings/<int:pk>/requirements/new/",
        views.RequirementCreateView.as_view(),
        name="meeting_requirement_create",
    ),
    path(
        "meetings/<int:pk>/taskings/new/",
        views.TaskingCreateView.as_view(),
        name="meeting_tasking_create",
    ),
    path("meetings/<int:pk>/minutes/", views.MinutesExportView.as_view(), name="meeting_minutes"),
    path("priorities/", views.PriorityListView.as_view(), name="priority_list"),
    path("priorities/new/", views.PriorityCreateView.as_view(), name="priority_create"),
    path("priorities/<int:pk>/", views.PriorityDetailView.as_view(), name="priority_detail"),
    path("priorities/<int:pk>/score/", views.PriorityScoreView.as_view(), name="priority_score"),
    path("control-strategy/", views.ControlStrategyView.as_view(), name="control_strategy"),
    path("requirements/", views.RequirementListView.as_view(), name="requirement_list"),
    path("requirements/new/", views.RequirementCreateView.as_view(), name="requirement_create"),
    path(
        "requirements/<int:pk>/", views.RequirementDetailView.as_view(), name="requirement_detail"
    ),
    path(
        "requirements/<int:pk>/answer/",
        views.RequirementAnswerView.as_view(),
        name="requirement_answer",
    ),
    path("taskings/", views.TaskingListView.as_view(), name="tasking_list"),
    path("taskings/mine/", views.MyTaskingsView.as_view(), name="my_taskings"),
    path("taskings/new/", views.TaskingCreateView.as_view(), name="tasking_create"),
    path("taskings/<int:pk>/", views.TaskingDetailView.as_view(), name="tasking_detail"),
    path(
        "taskings/<int:pk>/complete/", views.TaskingCompleteView.as_view(), name="tasking_complete"
    ),
    path(
        "taskings/<int:pk>/more-time/",
        views.TaskingExtensionRequestView.as_view(),
        name="tasking_extension_request",
    ),
    path(
        "taskings/extension-requests/<int:pk>/decide/",
        views.TaskingExtensionDecideView.as_view(),
        name="tasking_extension_decide",
    ),
    path("taskings/<int:pk>/report/", views.TaskingReportView.as_view(), name="tasking_report"),
    path("decisions/", views.DecisionListView.as_view(), name="decision_list"),
    path("decisions/export.csv", views.DecisionExportView.as_view(), name="decision_export"),
    path("decisions/<int:pk>/", views.DecisionDetailView.as_view(), name="decision_detail"),
]
