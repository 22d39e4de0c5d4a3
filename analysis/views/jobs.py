"""Browser pages for analysis jobs; filled in with the feature."""

urlpatterns: list = []
