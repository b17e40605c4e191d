"""The organisers' side of the speaker workflow: the programme view per edition
(every item, its state, last change and what is missing, filterable), the review page
with the version diff, invitations, AV and arrival lists, deadlines and reminders.

Every decision goes through ``events.speaking.services``; accepting needs
``events.accept_submission`` (organisers), reviewing ``events.review_submission``.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from events.models import Edition
from socex.admin_base import ModelAdmin, TabularInline
from socex.exports import csv_response
from socex.pdf import render_pdf

from . import selectors, services, signals
from .forms import OrganiserInviteForm, ReviewCommentForm
from .models import (
    SpeakerDeadline,
    SpeakerReminder,
    Submission,
    SubmissionInvitation,
    SubmissionSpeaker,
)


def _error_text(error: ValidationError) -> str:
    return " ".join(error.messages)


class OverdueFilter(admin.SimpleListFilter):
    title = _("deadline")
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return [("yes", _("Overdue"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(pk__in=selectors.overdue_queryset().values("pk"))
        return queryset


class SubmissionSpeakerInline(TabularInline):
    model = SubmissionSpeaker
    extra = 0
    autocomplete_fields = ["speaker"]
    fields = ["speaker", "is_lead", "arrival_date", "dietary_needs", "access_needs"]


class SubmissionAdminForm(forms.ModelForm):
    class Meta:
        model = Submission
        fields = ["edition", "kind", "session", "working_title", "copresenters_locked"]


@admin.register(Submission)
class SubmissionAdmin(ModelAdmin):
    form = SubmissionAdminForm
    list_display = [
        "item",
        "edition",
        "kind",
        "state",
        "speaker_names",
        "updated_at",
        "missing_text",
        "review_link",
    ]
    list_filter = ["edition", "kind", "state", OverdueFilter, "copresenters_locked"]
    search_fields = ["working_title", "title", "speakers__display_name"]
    autocomplete_fields = ["edition", "session"]
    inlines = [SubmissionSpeakerInline]
    readonly_fields = [
        "state",
        "details_reopened",
        "title",
        "summary",
        "abstract",
        "format",
        "review_link",
        "slides_link",
        "updated_at",
    ]
    actions = ["accept", "reopen", "lock_copresenters", "unlock_copresenters"]
    list_per_page = 100

    def get_fieldsets(self, request, obj=None):
        main = ["edition", "kind", "session", "working_title"]
        if obj is None:
            return [(None, {"fields": main})]
        working = ["title", "summary", "abstract", "format"]
        if self.has_slides_permission(request):
            # The link would 404 for anyone else (events.speaking.views).
            working.append("slides_link")
        return [
            (None, {"fields": [*main, "state", "review_link", "updated_at"]}),
            (
                _("Locks"),
                {"fields": ["details_reopened", "copresenters_locked"]},
            ),
            (_("Speaker's working copy (never public)"), {"fields": working}),
        ]

    def get_queryset(self, request):
        return selectors.programme_queryset()

    @admin.display(description=_("item"), ordering="working_title")
    def item(self, obj):
        return str(obj)

    @admin.display(description=_("speakers"))
    def speaker_names(self, obj):
        return ", ".join(link.speaker.display_name for link in obj.speaker_links.all())

    @admin.display(description=_("missing"))
    def missing_text(self, obj):
        gaps = obj.missing()
        if selectors.submission_is_overdue(obj):
            gaps = [str(_("OVERDUE")), *gaps]
        return "; ".join(gaps) or "—"

    @admin.display(description=_("review"))
    def review_link(self, obj):
        if not obj.pk:
            return "—"
        return format_html(
            '<a href="{}">{}</a> · <a href="{}">{}</a>',
            reverse("admin:events_submission_review", args=[obj.pk]),
            _("Review, versions and decision"),
            reverse("admin:events_submission_invite", args=[obj.pk]),
            _("Invite a speaker"),
        )

    @admin.display(description=_("slides"))
    def slides_link(self, obj):
        if not obj.slides:
            return "—"
        return format_html(
            '<a href="{}">{}</a> ({})',
            reverse("speak:slides", args=[obj.pk]),
            _("Download the slides"),
            obj.slides_uploaded_at.strftime("%d %b %Y %H:%M")
            if obj.slides_uploaded_at
            else "",
        )

    def save_model(self, request, obj, form, change):
        if not change:
            created = services.submission_create(
                edition=obj.edition,
                kind=obj.kind,
                session=obj.session,
                working_title=obj.working_title,
                actor=request.user,
            )
            obj.pk = created.pk
            obj.refresh_from_db()
            return
        locked = form.cleaned_data.get("copresenters_locked")
        with transaction.atomic():
            obj.full_clean()
            Submission.objects.filter(pk=obj.pk).update(
                edition=obj.edition,
                kind=obj.kind,
                session=obj.session,
                working_title=obj.working_title,
                updated_at=timezone.now(),
            )
            services.submission_copresenters_lock(
                submission=obj, actor=request.user, locked=locked
            )

    def response_add(self, request, obj, post_url_continue=None):
        return HttpResponseRedirect(
            reverse("admin:events_submission_invite", args=[obj.pk])
        )

    # Permissions -------------------------------------------------------------------

    def has_accept_permission(self, request) -> bool:
        return request.user.has_perm("events.accept_submission")

    def has_review_permission(self, request) -> bool:
        return request.user.has_perm("events.review_submission")

    def has_export_permission(self, request) -> bool:
        return request.user.has_perm("events.export_submission")

    def has_slides_permission(self, request) -> bool:
        return request.user.has_perm("events.change_submission")

    # Actions -----------------------------------------------------------------------

    def _each(self, request, queryset, service, done: str):
        count = 0
        for submission in queryset.order_by("pk"):
            try:
                service(submission)
            except ValidationError as error:
                self.message_user(
                    request, f"{submission}: {_error_text(error)}", messages.ERROR
                )
            else:
                count += 1
        if count:
            self.message_user(request, done % {"count": count}, messages.SUCCESS)

    @admin.action(description=_("Accept the submitted details"), permissions=["accept"])
    def accept(self, request, queryset):
        self._each(
            request,
            queryset,
            lambda s: services.submission_accept(submission=s, actor=request.user),
            _("%(count)d item(s) accepted; the speakers have their speaker pack."),
        )

    @admin.action(
        description=_("Reopen accepted details for the speakers' edits"),
        permissions=["review"],
    )
    def reopen(self, request, queryset):
        self._each(
            request,
            queryset,
            lambda s: services.submission_reopen(submission=s, actor=request.user),
            _("%(count)d item(s) reopened."),
        )

    @admin.action(description=_("Lock co-presenter changes"), permissions=["change"])
    def lock_copresenters(self, request, queryset):
        self._each(
            request,
            queryset,
            lambda s: services.submission_copresenters_lock(
                submission=s, actor=request.user, locked=True
            ),
            _("Co-presenters locked on %(count)d item(s)."),
        )

    @admin.action(description=_("Unlock co-presenter changes"), permissions=["change"])
    def unlock_copresenters(self, request, queryset):
        self._each(
            request,
            queryset,
            lambda s: services.submission_copresenters_lock(
                submission=s, actor=request.user, locked=False
            ),
            _("Co-presenters unlocked on %(count)d item(s)."),
        )

    # Custom views ------------------------------------------------------------------

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path(
                "<int:pk>/review/",
                view(self.review_view),
                name="events_submission_review",
            ),
            path(
                "<int:pk>/request-changes/",
                view(require_POST(self.request_changes_view)),
                name="events_submission_request_changes",
            ),
            path(
                "<int:pk>/accept/",
                view(require_POST(self.accept_view)),
                name="events_submission_accept",
            ),
            path(
                "<int:pk>/invite/",
                view(self.invite_view),
                name="events_submission_invite",
            ),
            path(
                "editions/<int:edition_id>/av.csv",
                view(self.av_csv_view),
                name="events_submission_av_csv",
            ),
            path(
                "editions/<int:edition_id>/av.pdf",
                view(self.av_pdf_view),
                name="events_submission_av_pdf",
            ),
            path(
                "editions/<int:edition_id>/arrivals.csv",
                view(self.arrivals_csv_view),
                name="events_submission_arrivals_csv",
            ),
        ] + super().get_urls()

    def changelist_view(self, request, extra_context=None):
        edition_id = request.GET.get("edition__id__exact", "")
        # ASCII digits that fit a primary key: "²" is a digit and int() refuses
        # thousands of them.
        edition = (
            Edition.objects.filter(pk=int(edition_id)).first()
            if edition_id.isascii() and edition_id.isdigit() and len(edition_id) < 19
            else None
        )
        extra_context = {
            **(extra_context or {}),
            "programme_edition": edition,
            "can_export": self.has_export_permission(request),
        }
        return super().changelist_view(request, extra_context)

    def _submission(self, request, pk, *, allowed: bool) -> Submission:
        if not (self.has_view_permission(request) and allowed):
            raise PermissionDenied
        return get_object_or_404(selectors.programme_queryset(), pk=pk)

    def review_view(self, request, pk):
        submission = self._submission(request, pk, allowed=True)
        versions = list(submission.versions.order_by("-number"))
        diffs = [
            (
                version,
                selectors.version_diff(
                    versions[index + 1] if index + 1 < len(versions) else None, version
                ),
            )
            for index, version in enumerate(versions)
        ]
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Review: %(item)s") % {"item": submission},
            "submission": submission,
            "diffs": diffs,
            "history": selectors.submission_history(submission=submission),
            "comment_form": ReviewCommentForm(),
            "can_review": self.has_review_permission(request),
            "can_accept": self.has_accept_permission(request),
            "reviewable": submission.state in services.REVIEWABLE,
            "public": selectors.public_view(submission),
        }
        return TemplateResponse(request, "admin/events/submission/review.html", context)

    def request_changes_view(self, request, pk):
        submission = self._submission(
            request, pk, allowed=self.has_review_permission(request)
        )
        form = ReviewCommentForm(request.POST)
        try:
            if not form.is_valid():
                raise ValidationError(
                    _("Write what should change: the speakers receive this comment.")
                )
            services.submission_request_changes(
                submission=submission,
                actor=request.user,
                comment=form.cleaned_data["comment"],
            )
        except ValidationError as error:
            self.message_user(request, _error_text(error), messages.ERROR)
        else:
            self.message_user(
                request,
                _("Changes requested; the speakers are emailed."),
                messages.SUCCESS,
            )
        return HttpResponseRedirect(
            reverse("admin:events_submission_review", args=[submission.pk])
        )

    def accept_view(self, request, pk):
        submission = self._submission(
            request, pk, allowed=self.has_accept_permission(request)
        )
        try:
            services.submission_accept(submission=submission, actor=request.user)
        except ValidationError as error:
            self.message_user(request, _error_text(error), messages.ERROR)
        else:
            self.message_user(
                request,
                _("Accepted: the programme shows these details now."),
                messages.SUCCESS,
            )
        return HttpResponseRedirect(
            reverse("admin:events_submission_review", args=[submission.pk])
        )

    def invite_view(self, request, pk):
        allowed = request.user.has_perm("events.add_submissioninvitation")
        submission = self._submission(request, pk, allowed=allowed)
        form = OrganiserInviteForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                services.invitation_create(
                    submission=submission, invited_by=request.user, **form.cleaned_data
                )
            except ValidationError as error:
                self.message_user(request, _error_text(error), messages.ERROR)
            else:
                self.message_user(
                    request,
                    _("Invitation emailed to %(email)s.")
                    % {"email": form.cleaned_data["email"]},
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(
                    reverse("admin:events_submission_change", args=[submission.pk])
                )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Invite a speaker to %(item)s") % {"item": submission},
            "submission": submission,
            "form": form,
            "invitations": submission.invitations.all(),
        }
        return TemplateResponse(
            request,
            "admin/events/submission/invite.html",
            context,
            status=400 if form.errors else 200,
        )

    def _edition(self, request, edition_id) -> Edition:
        if not (
            self.has_view_permission(request) and self.has_export_permission(request)
        ):
            raise PermissionDenied
        return get_object_or_404(Edition, pk=edition_id)

    @staticmethod
    def _av_cells(submission: Submission) -> list:
        version = submission.accepted_version
        session = submission.session
        return [
            session.starts_at.strftime("%Y-%m-%d %H:%M") if session else "",
            session.room.name if session and session.room else "",
            version.title if version else submission.working_title,
            submission.get_kind_display(),
            ", ".join(
                link.speaker.display_name for link in submission.speaker_links.all()
            ),
            _("yes") if version and version.needs_projector else _("no"),
            version.microphones if version else "",
            _("yes") if version and version.needs_internet else _("no"),
            version.av_notes if version else "",
            version.accessibility_notes if version else "",
            _("yes") if version and version.consent_recording else _("no"),
        ]

    AV_HEADER = [
        "Starts",
        "Room",
        "Title",
        "Kind",
        "Speakers",
        "Projector",
        "Microphones",
        "Internet",
        "Other AV needs",
        "Accessibility",
        "Recording agreed",
    ]

    @staticmethod
    def _exported(request, *, export: str, edition: Edition, rows: int) -> None:
        """Speakers' personal data leaves the site: the delegates app audits it."""
        signals.speaker_data_exported.send(
            sender=Submission,
            request=request,
            export=export,
            edition=edition,
            rows=rows,
        )

    def av_csv_view(self, request, edition_id):
        edition = self._edition(request, edition_id)
        rows = [self._av_cells(s) for s in selectors.av_rows(edition=edition)]
        self._exported(
            request, export=signals.EXPORT_AV_CSV, edition=edition, rows=len(rows)
        )
        return csv_response(
            filename=f"{edition.slug}-av.csv", header=self.AV_HEADER, rows=rows
        )

    def av_pdf_view(self, request, edition_id):
        edition = self._edition(request, edition_id)
        rows = [self._av_cells(s) for s in selectors.av_rows(edition=edition)]
        pdf = render_pdf(
            template="speak/av_needs_pdf.html",
            context={
                "edition": edition,
                "header": self.AV_HEADER,
                "rows": rows,
                "printed_at": timezone.now(),
            },
        )
        self._exported(
            request, export=signals.EXPORT_AV_PDF, edition=edition, rows=len(rows)
        )
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = (
            f'attachment; filename="{edition.slug}-av.pdf"'
        )
        return response

    def arrivals_csv_view(self, request, edition_id):
        edition = self._edition(request, edition_id)
        rows = [
            [
                link.speaker.display_name,
                str(link.submission),
                link.arrival_date.isoformat() if link.arrival_date else "",
                link.dietary_needs,
                link.access_needs,
            ]
            for link in selectors.arrival_rows(edition=edition)
        ]
        self._exported(
            request, export=signals.EXPORT_ARRIVALS_CSV, edition=edition, rows=len(rows)
        )
        return csv_response(
            filename=f"{edition.slug}-speaker-arrivals.csv",
            header=["Speaker", "Item", "Arrival day", "Dietary needs", "Access needs"],
            rows=rows,
        )


@admin.register(SubmissionInvitation)
class SubmissionInvitationAdmin(ModelAdmin):
    """Invitations (the link's secret is stored hashed and never shown). New ones are
    sent from a speaker item's "Invite a speaker" page."""

    list_display = [
        "name",
        "email",
        "submission",
        "status_text",
        "is_copresenter",
        "expires_at",
        "created_at",
    ]
    list_filter = ["submission__edition", "is_copresenter"]
    list_select_related = ["submission"]
    search_fields = ["name", "email", "submission__working_title"]
    fields = [
        "submission",
        "name",
        "email",
        "message",
        "is_copresenter",
        "expires_at",
        "invited_by",
        "used_at",
        "used_by",
        "revoked_at",
    ]
    readonly_fields = fields
    actions = ["resend", "revoke"]

    @admin.display(description=_("status"))
    def status_text(self, obj):
        return SubmissionInvitation.Status(obj.status).label

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("Resend with a new link"), permissions=["change"])
    def resend(self, request, queryset):
        self._each(
            request, queryset, services.invitation_resend, _("%(count)d resent.")
        )

    @admin.action(description=_("Revoke the link"), permissions=["change"])
    def revoke(self, request, queryset):
        self._each(
            request, queryset, services.invitation_revoke, _("%(count)d revoked.")
        )

    def _each(self, request, queryset, service, done):
        count = 0
        for invitation in queryset.order_by("pk"):
            try:
                service(invitation=invitation, actor=request.user)
            except ValidationError as error:
                self.message_user(
                    request, f"{invitation}: {_error_text(error)}", messages.ERROR
                )
            else:
                count += 1
        if count:
            self.message_user(request, done % {"count": count}, messages.SUCCESS)


@admin.register(SpeakerDeadline)
class SpeakerDeadlineAdmin(ModelAdmin):
    list_display = ["edition", "due_on", "overdue_link"]
    autocomplete_fields = ["edition"]
    list_select_related = ["edition"]

    @admin.display(description=_("overdue items"))
    def overdue_link(self, obj):
        url = reverse("admin:events_submission_changelist")
        return format_html(
            '<a href="{}?edition__id__exact={}&amp;overdue=yes">{}</a>',
            url,
            obj.edition_id,
            _("List"),
        )


@admin.register(SpeakerReminder)
class SpeakerReminderAdmin(ModelAdmin):
    list_display = ["speaker", "edition", "deadline", "days_before", "sent_at"]
    list_filter = ["edition"]
    list_select_related = ["speaker", "edition"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
