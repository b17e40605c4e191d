"""Third-party admin actions made to declare their permissions, like ours.

allauth's "mark as verified" action declares none, so Django offers it to anybody who
may open the list (view-only staff included); verifying an address nobody proved is
a step towards taking the account over. It needs the change permission here.
"""

from allauth.account.admin import EmailAddressAdmin as AllauthEmailAddressAdmin
from allauth.account.models import EmailAddress
from django.contrib import admin
from django.utils.translation import gettext_lazy as _


class EmailAddressAdmin(AllauthEmailAddressAdmin):
    @admin.action(
        description=_("Mark selected email addresses as verified"),
        permissions=["change"],
    )
    def make_verified(self, request, queryset):
        return super().make_verified(request, queryset)


if admin.site.is_registered(EmailAddress):
    admin.site.unregister(EmailAddress)
admin.site.register(EmailAddress, EmailAddressAdmin)
