"""Pages of the subjectrequests app."""

from django.urls import path

from subjectrequests import views

app_name = "subjectrequests"
urlpatterns = [
    path("", views.RequestListView.as_view(), name="list"),
    path("new/", views.RequestCreateView.as_view(), name="create"),
    path("<int:pk>/", views.RequestDetailView.as_view(), name="detail"),
    path("<int:pk>/search/", views.SearchView.as_view(), name="search"),
    path("<int:pk>/decide/", views.DecideView.as_view(), name="decide"),
    path("<int:pk>/rectify/", views.RectifyView.as_view(), name="rectify"),
    path("<int:pk>/erase/", views.EraseView.as_view(), name="erase"),
    path("<int:pk>/letter/", views.LetterView.as_view(), name="letter"),
    path("<int:pk>/answer/", views.AnswerView.as_view(), name="answer"),
]
