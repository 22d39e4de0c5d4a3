"""Pages of the exchange app."""

app_name = "exchange"
urlpatterns: list = []
