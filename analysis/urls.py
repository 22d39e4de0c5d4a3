from analysis.views import jobs, products

app_name = "analysis"

urlpatterns = [*jobs.urlpatterns, *products.urlpatterns]
