"""What the workshops admin modules share."""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError

from ..models import TimeBlock


def message_errors(modeladmin, request, exc: ValidationError) -> None:
    """Report a service's refusal, in the service's words."""
    for message in exc.messages:
        modeladmin.message_user(request, message, level=messages.ERROR)


def adopt(obj, saved) -> None:
    """Make the admin's unsaved ``obj`` the row a service created, so the admin's log
    entry and redirect point at it."""
    obj.pk = saved.pk
    obj.refresh_from_db()
    obj._state.adding = False


class BlockFilter(admin.RelatedFieldListFilter):
    """Time blocks with their sessions in one query."""

    def field_choices(self, field, request, model_admin):
        blocks = TimeBlock.objects.select_related("session", "edition")
        return [(block.pk, f"{block.edition}: {block}") for block in blocks]
