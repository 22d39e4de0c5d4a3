from django.urls import path

from oversight import views

app_name = "audit"

urlpatterns = [
    path("events/", views.event_list, name="event_list"),
    path("events/export.csv", views.event_export, name="event_export"),
    path("integrity/", views.integrity, name="integrity"),
    path("integrity/run/", views.integrity_run, name="integrity_run"),
    path("anomalies/", views.anomaly_list, name="anomaly_list"),
    path("anomalies/run/", views.anomaly_run, name="anomaly_run"),
]
