from allauth.account.views import LogoutView
from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.generic import TemplateView
from django.views.static import serve

from delegates.dashboard import views as dashboard_views
from delegates.privacy import views as privacy_views
from socex import accounts, views

admin.site.site_header = "SOCEX organisers"
admin.site.site_title = "SOCEX admin"
admin.site.index_title = "Conference administration"

# 404.html and 500.html are in templates/; a database outage answers 503.html.
handler500 = "socex.views.server_error"

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("healthz/detail", views.healthz_detail, name="healthz_detail"),
    path("favicon.ico", views.favicon),
    path("privacy/", privacy_views.privacy_notice, name="privacy"),
    path("accessibility/", views.accessibility_statement, name="accessibility"),
    path(
        "terms/",
        TemplateView.as_view(template_name="pages/terms.html"),
        name="terms",
    ),
    # One door in: the admin's own login, logout and password pages hand over to
    # allauth, so rate limits, email verification and the second factor apply to staff.
    path("admin/login/", accounts.admin_login, name="admin_login_redirect"),
    path("admin/logout/", LogoutView.as_view(), name="admin_logout_allauth"),
    path(
        "admin/password_change/",
        accounts.admin_password_change,
        name="admin_password_change_redirect",
    ),
    path(
        "admin/password_change/done/",
        accounts.admin_password_change,
        name="admin_password_change_done_redirect",
    ),
    path(
        "admin/editions/<int:edition_id>/dashboard/",
        admin.site.admin_view(dashboard_views.edition_dashboard),
        name="edition_dashboard",
    ),
    path("admin/", admin.site.urls),
    path(
        "accounts/2fa/totp/activate/",
        accounts.ActivateTOTPView.as_view(),
        name="mfa_activate_totp",
    ),
    path("accounts/", include("allauth.urls")),
    path("my/", include("delegates.urls")),
    path("workshops/", include("workshops.urls")),
    path("speak/", include("events.speaking.urls")),
    path("", include("delegates.badges.urls")),
    # Public uploads only (speaker photos, partner logos): private files live elsewhere
    # (socex/storage.py). At scale, let the web server in front serve MEDIA_ROOT.
    path("media/<path:path>", serve, {"document_root": settings.MEDIA_ROOT}),
    path("", include("workshops.public_urls")),
    path("", include("events.urls")),
]
