"""The one base of every admin class in SOCEX: django-unfold's, with an error summary.

Every ``ModelAdmin``, inline and user admin in the project subclasses these names
(``from socex.admin_base import ModelAdmin, TabularInline``) instead of
``django.contrib.admin``'s, so the look is the same on every page and a change of
theme is one file. ``admin.register``, ``admin.action`` and ``admin.display`` stay
Django's own: unfold does not replace them.

Converting a plain Django admin class: replace ``admin.ModelAdmin`` with
``ModelAdmin`` (and ``admin.TabularInline``/``admin.StackedInline`` with
``TabularInline``/``StackedInline``) imported from this module; nothing else changes.
A class that extends a third-party admin (allauth's, Django's ``UserAdmin``) lists
``ModelAdmin`` after it: ``class UserAdmin(BaseUserAdmin, ModelAdmin)``.
"""

from django.utils.translation import gettext_lazy as _
from unfold import admin as unfold_admin
from unfold.forms import ActionForm as UnfoldActionForm
from unfold.forms import AdminPasswordChangeForm, UserChangeForm, UserCreationForm

# Drawn at the top of every change form: each field's error by its section (tab)
# and label, and each inline with errors, so a long form's error is seen at once.
ERROR_SUMMARY_TEMPLATE = "admin/includes/error_summary.html"


class ActionForm(UnfoldActionForm):
    """unfold's action bar, with the name its select lacks (Django renders the
    action form without ids, so the name is an ``aria-label``)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["action"].widget.attrs["aria-label"] = _("Action:")


class ModelAdmin(unfold_admin.ModelAdmin):
    action_form = ActionForm
    change_form_before_template = ERROR_SUMMARY_TEMPLATE


class TabularInline(unfold_admin.TabularInline):
    pass


class StackedInline(unfold_admin.StackedInline):
    pass


__all__ = [
    "AdminPasswordChangeForm",
    "ModelAdmin",
    "StackedInline",
    "TabularInline",
    "UserChangeForm",
    "UserCreationForm",
]
