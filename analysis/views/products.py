"""Browser pages for analysis products; filled in with the feature."""

urlpatterns: list = []
