from django.urls import path

from training import views

app_name = "training"

urlpatterns = [
    path("", views.exercises, name="exercises"),
    path("<slug:key>/hint/", views.hint, name="hint"),
    path("trainer/", views.trainer, name="trainer"),
]
