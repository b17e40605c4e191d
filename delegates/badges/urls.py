from django.urls import path

from . import views

app_name = "badges"

urlpatterns = [
    path("badges/<str:reference>.pdf", views.badge_download, name="download"),
    path("checkin/", views.checkin_index, name="checkin_index"),
    path("checkin/<slug:slug>/", views.checkin, name="checkin"),
    path("checkin/<slug:slug>/count/", views.checkin_count, name="checkin_count"),
    path(
        "checkin/<slug:slug>/attendance.csv",
        views.attendance_csv,
        name="attendance_csv",
    ),
]
