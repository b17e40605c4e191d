"""Third-party admins in SOCEX's admin: made to declare their permissions like ours,
and drawn on the project's admin base (``socex.admin_base``) so every page looks alike.

allauth's "mark as verified" action declares none, so Django offers it to anybody who
may open the list (view-only staff included); verifying an address nobody proved is
a step towards taking the account over. It needs the change permission here.
"""

from allauth.account.admin import EmailAddressAdmin as AllauthEmailAddressAdmin
from allauth.account.models import EmailAddress
from allauth.mfa.admin import AuthenticatorAdmin as AllauthAuthenticatorAdmin
from allauth.mfa.models import Authenticator
from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.models import Group
from django.contrib.sites.admin import SiteAdmin as DjangoSiteAdmin
from django.contrib.sites.models import Site
from django.utils.translation import gettext_lazy as _

from socex.admin_base import ModelAdmin


class EmailAddressAdmin(AllauthEmailAddressAdmin, ModelAdmin):
    @admin.action(
        description=_("Mark selected email addresses as verified"),
        permissions=["change"],
    )
    def make_verified(self, request, queryset):
        return super().make_verified(request, queryset)


class GroupAdmin(DjangoGroupAdmin, ModelAdmin):
    pass


class AuthenticatorAdmin(AllauthAuthenticatorAdmin, ModelAdmin):
    pass


class SiteAdmin(DjangoSiteAdmin, ModelAdmin):
    pass


for model, model_admin in (
    (EmailAddress, EmailAddressAdmin),
    (Group, GroupAdmin),
    (Authenticator, AuthenticatorAdmin),
    (Site, SiteAdmin),
):
    if admin.site.is_registered(model):
        admin.site.unregister(model)
    admin.site.register(model, model_admin)
