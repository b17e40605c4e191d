from django.urls import path

from socex import converters  # noqa: F401 - registers short_slug and reference

from . import views

app_name = "workshops"

urlpatterns = [
    path("<reference:reference>/choose/", views.choose, name="choose"),
    path("<reference:reference>/rank/", views.rank, name="rank"),
]
