from django.urls import path

from socex import converters  # noqa: F401 - registers the converters

from . import proposal_views, views

app_name = "workshops"

urlpatterns = [
    path("<reference:reference>/choose/", views.choose, name="choose"),
    path("<reference:reference>/rank/", views.rank, name="rank"),
    path("proposals/", proposal_views.proposal_list, name="proposals"),
    path(
        "proposals/<short_slug:slug>/new/",
        proposal_views.proposal_create,
        name="proposal_create",
    ),
    path("proposals/<int:pk>/", proposal_views.proposal_detail, name="proposal"),
    path(
        "proposals/<int:pk>/edit/", proposal_views.proposal_edit, name="proposal_edit"
    ),
]
