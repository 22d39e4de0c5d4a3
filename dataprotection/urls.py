"""Pages of the dataprotection app."""

app_name = "dataprotection"
urlpatterns: list = []
