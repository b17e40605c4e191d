"""Included by delegates/urls.py under /my/privacy/ (names in the delegates
namespace)."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.my_data, name="my_data"),
    path("my-data.json", views.data_download, name="data_download"),
    path("delete-account/", views.account_delete, name="account_delete"),
]
