from django.urls import path

from . import views

app_name = "events"

urlpatterns = [
    path("", views.home, name="home"),
    path("series/<slug:slug>/", views.series_detail, name="series"),
    path("editions/<slug:slug>/", views.edition_detail, name="edition"),
    path("editions/<slug:slug>/agenda/", views.edition_agenda, name="agenda"),
    path("editions/<slug:slug>/agenda.ics", views.edition_ics, name="edition_ics"),
    path(
        "editions/<slug:slug>/sessions/<int:pk>.ics",
        views.session_ics,
        name="session_ics",
    ),
    path("editions/<slug:slug>/speakers/", views.edition_speakers, name="speakers"),
    path("venues/<slug:slug>/", views.venue_detail, name="venue"),
    path("speakers/<slug:slug>/", views.speaker_detail, name="speaker"),
]
