"""Public pages of the workshops app, under each edition's address."""

from django.urls import path

from socex import converters  # noqa: F401 - registers the converters

from . import public_views

app_name = "workshops_public"

urlpatterns = [
    path(
        "editions/<short_slug:slug>/workshops/",
        public_views.edition_workshops,
        name="edition",
    ),
]
