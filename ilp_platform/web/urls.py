from django.urls import path

from ilp_platform.web import pages

app_name = "core"

urlpatterns = [
    path("", pages.home_page, name="home"),
    path("justification/", pages.justification, name="justification"),
]
