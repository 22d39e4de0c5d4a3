"""Pages of the sharing app."""

app_name = "sharing"
urlpatterns: list = []
