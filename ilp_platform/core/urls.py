from django.urls import path

from ilp_platform.core import pages

app_name = "core"

urlpatterns = [
    path("", pages.home_page, name="home"),
    path("justification/", pages.justification, name="justification"),
]
