from django.urls import path

from socex import converters  # noqa: F401 - registers short_slug and reference

from . import views

app_name = "badges"

urlpatterns = [
    path("badges/<reference:reference>.pdf", views.badge_download, name="download"),
    path("checkin/", views.checkin_index, name="checkin_index"),
    path("checkin/<short_slug:slug>/", views.checkin, name="checkin"),
    path("checkin/<short_slug:slug>/count/", views.checkin_count, name="checkin_count"),
    path(
        "checkin/<short_slug:slug>/attendance.csv",
        views.attendance_csv,
        name="attendance_csv",
    ),
]
