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
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from events.models import Edition
from socex.admin_base import ModelAdmin, TabularInline

from .. import selectors, services
from ..forms import OrganiserInviteForm, ReviewCommentForm
from ..models import (
    Submission,
    SubmissionSpeaker,
)
from .exports import SpeakerExportsMixin


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
class SubmissionAdmin(SpeakerExportsMixin, ModelAdmin):
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
