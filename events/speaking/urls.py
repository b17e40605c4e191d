from django.urls import path

from socex import converters  # noqa: F401 - registers token

from . import views

app_name = "speak"

urlpatterns = [
    path("", views.portal, name="portal"),
    path("profile/", views.profile, name="profile"),
    path("items/<int:pk>/", views.item, name="item"),
    path("items/<int:pk>/confirm/", views.confirm, name="confirm"),
    path("items/<int:pk>/withdraw/", views.withdraw, name="withdraw"),
    path("items/<int:pk>/slides/", views.slides_upload, name="slides_upload"),
    path("items/<int:pk>/slides.pdf", views.slides_download, name="slides"),
    path(
        "items/<int:pk>/co-presenters/",
        views.copresenter_invite,
        name="copresenter_invite",
    ),
    path("invitations/<token:token>/", views.invitation, name="invitation"),
]
