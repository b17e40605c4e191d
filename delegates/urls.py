from django.urls import path

from . import views

app_name = "delegates"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
]
