"""The one base of every admin class in SOCEX: django-unfold's, re-exported here.

Every ``ModelAdmin``, inline and user admin in the project subclasses these names
(``from socex.admin_base import ModelAdmin, TabularInline``) instead of
``django.contrib.admin``'s, so the look is the same on every page and a change of
theme is one file. ``admin.register``, ``admin.action`` and ``admin.display`` stay
Django's own: unfold does not replace them.

Converting a plain Django admin class: replace ``admin.ModelAdmin`` with
``ModelAdmin`` (and ``admin.TabularInline``/``admin.StackedInline`` with
``TabularInline``/``StackedInline``) imported from this module; nothing else changes.
"""

from unfold.admin import ModelAdmin, StackedInline, TabularInline
from unfold.forms import AdminPasswordChangeForm, UserChangeForm, UserCreationForm

__all__ = [
    "AdminPasswordChangeForm",
    "ModelAdmin",
    "StackedInline",
    "TabularInline",
    "UserChangeForm",
    "UserCreationForm",
]
