from django.urls import path

from . import views

app_name = "workshops"

urlpatterns = [
    path("<str:reference>/choose/", views.choose, name="choose"),
    path("<str:reference>/rank/", views.rank, name="rank"),
]
