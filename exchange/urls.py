"""Pages of the exchange app."""

from django.urls import path

from exchange import views

app_name = "exchange"
urlpatterns = [
    path("", views.PartnerListView.as_view(), name="partner_list"),
    path("partners/new/", views.PartnerFormView.as_view(), name="partner_create"),
    path("partners/<int:pk>/", views.PartnerDetailView.as_view(), name="partner_detail"),
    path("partners/<int:pk>/edit/", views.PartnerEditView.as_view(), name="partner_edit"),
    path("identity/", views.IdentityView.as_view(), name="identity"),
    path("packages/", views.PackageListView.as_view(), name="package_list"),
    path("packages/new/", views.PackageCreateView.as_view(), name="package_create"),
    path("packages/<int:pk>/", views.PackageDetailView.as_view(), name="package_detail"),
    path(
        "packages/<int:pk>/download/", views.PackageDownloadView.as_view(), name="package_download"
    ),
    path("packages/<int:pk>/push/", views.PackagePushView.as_view(), name="package_push"),
    path("inbox/", views.InboxView.as_view(), name="inbox"),
    path("inbox/upload/", views.InboxUploadView.as_view(), name="inbox_upload"),
]
