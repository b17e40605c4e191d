from django.urls import path

from socex import converters  # noqa: F401 - registers the converters

from . import views

app_name = "events"

urlpatterns = [
    path("", views.home, name="home"),
    path("series/<short_slug:slug>/", views.series_detail, name="series"),
    path("editions/<short_slug:slug>/", views.edition_detail, name="edition"),
    path("editions/<short_slug:slug>/agenda/", views.edition_agenda, name="agenda"),
    path(
        "editions/<short_slug:slug>/agenda.ics", views.edition_ics, name="edition_ics"
    ),
    path(
        "editions/<short_slug:slug>/sessions/<int:pk>.ics",
        views.session_ics,
        name="session_ics",
    ),
    path(
        "editions/<short_slug:slug>/speakers/", views.edition_speakers, name="speakers"
    ),
    path("venues/<short_slug:slug>/", views.venue_detail, name="venue"),
    path("speakers/<short_slug:slug>/", views.speaker_detail, name="speaker"),
    path(
        "speakers/photos/<file_name:name>",
        views.speaker_photo,
        name="speaker_photo",
    ),
]
