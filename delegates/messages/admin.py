"""Messages to delegates in the admin: compose (a draft, checked by the service),
preview for one recipient, a test to yourself, send once; the history with each
message's sent, pending and failed emails and a resend of the failed; and "Write to
selected" on the registrations list.

Writing needs ``delegates.send_message`` (Organiser); ``view_message`` reads the
history.
"""

from urllib.parse import urlencode

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from events.models import Edition
from socex.admin_base import ModelAdmin

from ..admin.forms import PkChoiceField, error_text, valid_pk
from ..models import Registration
from . import selectors, services
from .models import AgendaChange, Message

SEND = "delegates.send_message"
# The most registrations "Write to selected" carries to the composer in its link.
MAX_SELECTED = 1000


def has_send_message_permission(request) -> bool:
    return request.user.has_perm(SEND)


class RegistrationIdsField(forms.CharField):
    """The registrations chosen in the list, as comma-separated ids."""

    widget = forms.HiddenInput

    def to_python(self, value):
        text = (value or "").strip()
        if not text:
            return []
        parts = text.split(",")
        if len(parts) > MAX_SELECTED or not all(valid_pk(p.strip()) for p in parts):
            raise ValidationError(
                _(
                    "The selection was not valid. Go back to the registrations list "
                    "and choose them again."
                )
            )
        return sorted({int(p) for p in parts})

    def prepare_value(self, value):
        if isinstance(value, list | tuple):
            return ",".join(str(v) for v in value)
        return value


class MessageForm(forms.ModelForm):
    """The composer. Valid when ``message_create`` (or ``message_update``) accepts
    it; ``instance`` is then the saved draft, and the service's refusals show on the
    fields they name (the admin's change view is one transaction)."""

    sender = None  # set by MessageAdmin.get_form

    edition = PkChoiceField(queryset=Edition.objects.select_related("series"))
    run_id = forms.TypedChoiceField(
        label=_("Workshop run"),
        coerce=int,
        required=False,
        empty_value=None,
        help_text=_("For “Attendees of a workshop run” only."),
    )
    registration_ids = RegistrationIdsField(required=False)

    class Meta:
        model = Message
        fields = [
            "edition",
            "audience",
            "run_id",
            "registration_ids",
            "subject",
            "body",
        ]
        widgets = {"body": forms.Textarea(attrs={"rows": 12, "cols": 80})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        editions = list(self.fields["edition"].queryset.exclude(status="archived"))
        runs = selectors.run_audiences(editions=editions)
        titles = {edition.pk: edition.title for edition in editions}
        self.fields["run_id"].choices = [("", "—")] + [
            (run["run_id"], f"{titles.get(run['edition_id'], '')}: {run['label']}")
            for run in runs
        ]

    def _post_clean(self):
        super()._post_clean()
        if self.errors:
            return
        data = self.cleaned_data
        fields = {
            "audience": data["audience"],
            "subject": data["subject"],
            "body": data["body"],
            "run_id": data.get("run_id"),
            "registration_ids": data.get("registration_ids") or [],
        }
        try:
            if self.instance.pk:
                if data["edition"].pk != self.instance.edition_id:
                    raise ValidationError(
                        {"edition": _("A draft stays with its edition.")}
                    )
                self.instance = services.message_update(message=self.instance, **fields)
            else:
                self.instance = services.message_create(
                    edition=data["edition"], sender=self.sender, **fields
                )
        except ValidationError as error:
            self._update_errors(error)


@admin.register(Message)
class MessageAdmin(ModelAdmin):
    """The history (the change list) and the composer (add and change of a draft)."""

    form = MessageForm
    view_on_site = False  # its absolute URL is this admin page
    change_form_template = "admin/delegates/message/change_form.html"
    list_display = [
        "subject",
        "edition",
        "audience_display",
        "sender",
        "status",
        "recipients",
        "sent_count",
        "pending_count",
        "failed_count",
        "sent_at",
    ]
    list_filter = ["edition", "status", "audience"]
    list_select_related = ["edition", "sender"]
    search_fields = ["subject"]
    readonly_fields = [
        "edition",
        "audience_display",
        "subject",
        "body",
        "status",
        "sender",
        "recipients",
        "created_at",
        "test_sent_at",
        "sent_at",
    ]

    def get_queryset(self, request):
        return selectors.with_counts(super().get_queryset(request))

    def get_fields(self, request, obj=None):
        if self._editable(request, obj):
            return MessageForm.Meta.fields
        return self.readonly_fields

    def get_readonly_fields(self, request, obj=None):
        return [] if self._editable(request, obj) else self.readonly_fields

    def get_form(self, request, obj=None, change=False, **kwargs):
        if self._editable(request, obj):
            kwargs["fields"] = MessageForm.Meta.fields
        else:  # a sent message, or a reader: every field is shown read-only
            kwargs["form"] = forms.ModelForm
        form = super().get_form(request, obj, change=change, **kwargs)
        return type(form.__name__, (form,), {"sender": request.user})

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        initial["registration_ids"] = request.GET.get("registration_ids", "")
        return initial

    def _editable(self, request, obj) -> bool:
        return has_send_message_permission(request) and (
            obj is None or obj.status == Message.Status.DRAFT
        )

    def has_add_permission(self, request):
        return has_send_message_permission(request)

    def has_change_permission(self, request, obj=None):
        return self._editable(request, obj)

    def has_delete_permission(self, request, obj=None):
        # A draft, from its own page: the history keeps every sent message, so
        # there is no bulk delete on the list.
        return (
            obj is not None
            and self._editable(request, obj)
            and super().has_delete_permission(request, obj)
        )

    def save_form(self, request, form, change):
        """The draft ``message_create``/``message_update`` saved when the form
        validated (``form.save(commit=False)`` writes nothing)."""
        return super().save_form(request, form, change)

    def save_model(self, request, obj, form, change):
        """Nothing to save: the service saved the draft."""

    def response_add(self, request, obj, post_url_continue=None):
        # To the preview, test send and send buttons.
        return HttpResponseRedirect(
            reverse("admin:delegates_message_change", args=[obj.pk])
        )

    def response_change(self, request, obj):
        return HttpResponseRedirect(
            reverse("admin:delegates_message_change", args=[obj.pk])
        )

    @admin.display(description=_("audience"))
    def audience_display(self, obj):
        return obj.audience_display

    @admin.display(description=_("sent"), ordering="sent_count")
    def sent_count(self, obj):
        return obj.sent_count

    @admin.display(description=_("pending"), ordering="pending_count")
    def pending_count(self, obj):
        return obj.pending_count

    @admin.display(description=_("failed"), ordering="failed_count")
    def failed_count(self, obj):
        return obj.failed_count

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = {**(extra_context or {})}
        message = (
            self.get_queryset(request).filter(pk=object_id).first()
            if valid_pk(object_id)
            else None
        )
        if message is not None:
            recipients = selectors.message_recipients(message=message)
            raw = request.GET.get("preview", "0")
            # Short ASCII digits only: int() refuses a 5,000-digit string.
            index = int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 7 else 0
            index = index if index < len(recipients) else 0
            preview = None
            if recipients:
                _recipient, subject, text, html = services.message_preview(
                    message=message, recipient=recipients[index]
                )
                preview = {"subject": subject, "text": text, "index": index}
            extra_context.update(
                message=message,
                recipients=recipients,
                recipient_choices=list(enumerate(recipients[:200])),
                preview=preview,
                can_send=has_send_message_permission(request),
            )
        return super().change_view(request, object_id, form_url, extra_context)

    # The composer's buttons ---------------------------------------------------

    def get_urls(self):
        info = self.model._meta.app_label, self.model._meta.model_name
        return [
            path(
                "<path:object_id>/test/",
                self.admin_site.admin_view(self.test_send_view),
                name="{}_{}_test".format(*info),
            ),
            path(
                "<path:object_id>/send/",
                self.admin_site.admin_view(self.send_view),
                name="{}_{}_send".format(*info),
            ),
            path(
                "<path:object_id>/resend-failed/",
                self.admin_site.admin_view(self.resend_failed_view),
                name="{}_{}_resend_failed".format(*info),
            ),
            *super().get_urls(),
        ]

    def _message_for_post(self, request, object_id) -> Message:
        if not has_send_message_permission(request):
            raise PermissionDenied
        if not valid_pk(object_id):
            raise Http404
        return get_object_or_404(
            Message.objects.select_related("edition"), pk=object_id
        )

    def _back(self, message: Message) -> HttpResponseRedirect:
        return HttpResponseRedirect(
            reverse("admin:delegates_message_change", args=[message.pk])
        )

    def test_send_view(self, request, object_id):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        message = self._message_for_post(request, object_id)
        try:
            services.message_test_send(message=message, user=request.user)
        except ValidationError as error:
            self.message_user(request, error_text(error), messages.ERROR)
        else:
            self.message_user(
                request,
                _("A test was sent to %(email)s.") % {"email": request.user.email},
                messages.SUCCESS,
            )
        return self._back(message)

    def send_view(self, request, object_id):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        message = self._message_for_post(request, object_id)
        try:
            count = services.message_send(message=message, actor=request.user)
        except ValidationError as error:
            level = (
                messages.WARNING
                if getattr(error, "code", None) == "already_sent"
                else messages.ERROR
            )
            self.message_user(request, error_text(error), level)
            return self._back(message)
        self.message_user(
            request,
            ngettext(
                "Sending to %(count)d person: follow it in the history.",
                "Sending to %(count)d people: follow it in the history.",
                count,
            )
            % {"count": count},
            messages.SUCCESS,
        )
        return HttpResponseRedirect(reverse("admin:delegates_message_changelist"))

    def resend_failed_view(self, request, object_id):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        message = self._message_for_post(request, object_id)
        try:
            queued, refused = services.message_resend_failed(message=message)
        except ValidationError as error:
            self.message_user(request, error_text(error), messages.ERROR)
            return self._back(message)
        self.message_user(
            request,
            _("%(n)d failed email(s) queued again.") % {"n": queued},
            messages.SUCCESS if queued else messages.INFO,
        )
        if refused:
            self.message_user(
                request,
                _("%(n)d failed email(s) are past retention and cannot be resent.")
                % {"n": refused},
                messages.WARNING,
            )
        return self._back(message)


@admin.register(AgendaChange)
class AgendaChangeAdmin(ModelAdmin):
    """What changed in published agendas and when each digest went out: read only."""

    list_display = ["title", "edition", "kind", "summary", "created_at", "digested_at"]
    list_filter = ["edition", "kind"]
    list_select_related = ["edition"]
    fields = readonly_fields = [
        "edition",
        "kind",
        "object_id",
        "title",
        "summary",
        "created_at",
        "digested_at",
        "recipients",
    ]

    @admin.display(description=_("changes"))
    def summary(self, obj):
        return "; ".join(
            f"{change['label']}: {change['old']} → {change['new']}"
            for change in obj.changes
        )

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# "Write to selected" on the registrations list -----------------------------------


@admin.action(
    description=_("Write to selected (one edition)"), permissions=["send_message"]
)
def write_to_selected(modeladmin, request, queryset):
    """Open the composer with the selection (of one edition) as its audience."""
    rows = list(
        queryset.order_by("pk").values_list("pk", "edition_id")[: MAX_SELECTED + 1]
    )
    editions = {edition_id for _pk, edition_id in rows}
    if len(editions) != 1 or len(rows) > MAX_SELECTED:
        modeladmin.message_user(
            request,
            _(
                "Select registrations of one edition (at most %(max)d) to write to "
                "them; filter the list by edition first."
            )
            % {"max": MAX_SELECTED},
            messages.ERROR,
        )
        return None
    query = urlencode(
        {
            "edition": editions.pop(),
            "audience": Message.Audience.SELECTION,
            "registration_ids": ",".join(str(pk) for pk, _edition in rows),
        }
    )
    return HttpResponseRedirect(f"{reverse('admin:delegates_message_add')}?{query}")


def _add_action() -> None:
    model_admin = admin.site.get_model_admin(Registration)
    if write_to_selected not in model_admin.actions:
        model_admin.actions = [*model_admin.actions, write_to_selected]
    # ``permissions=["send_message"]``: Django asks has_send_message_permission.
    model_admin.has_send_message_permission = has_send_message_permission


_add_action()
