"""Pages of the subjectrequests app."""

app_name = "subjectrequests"
urlpatterns: list = []
