from django.urls import path

from . import views

app_name = "delegates"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("profile/", views.profile_edit, name="profile"),
    path("register/<slug:slug>/", views.register, name="register"),
    path(
        "registrations/<str:reference>/cancel/",
        views.registration_cancel,
        name="cancel",
    ),
    path(
        "registrations/<str:reference>/agenda/",
        views.agenda,
        name="agenda",
    ),
    path(
        "registrations/<str:reference>/agenda.ics",
        views.agenda_ics,
        name="agenda_ics",
    ),
]
