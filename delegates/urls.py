from django.urls import include, path

from socex import converters  # noqa: F401 - registers short_slug and reference

from . import account, substitution_views, views

app_name = "delegates"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("profile/", views.profile_edit, name="profile"),
    path("privacy/", include("delegates.privacy.urls")),
    path("account/", account.account, name="account"),
    path("register/<short_slug:slug>/", views.register, name="register"),
    path(
        "registrations/<reference:reference>/cancel/",
        views.registration_cancel,
        name="cancel",
    ),
    path(
        "registrations/<reference:reference>/substitute/",
        substitution_views.nominate,
        name="substitute",
    ),
    path(
        "registrations/<reference:reference>/substitute/<int:pk>/withdraw/",
        substitution_views.withdraw,
        name="substitute_withdraw",
    ),
    path(
        "substitution/<token:token>/",
        substitution_views.accept,
        name="substitution",
    ),
    path(
        "registrations/<reference:reference>/agenda/",
        views.agenda,
        name="agenda",
    ),
    path(
        "registrations/<reference:reference>/agenda.ics",
        views.agenda_ics,
        name="agenda_ics",
    ),
]
