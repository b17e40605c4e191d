"""The speaker portal (/speak/): a speaker's own items only; anybody else's is 404."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from events.models import Submission

from . import selectors, services
from .forms import (
    CopresenterForm,
    SlidesForm,
    SpeakerProfileForm,
    SubmissionForm,
    TravelForm,
    WithdrawForm,
)
from .models import SubmissionInvitation
from .signals import slides_attendee_check


def _errors(error: ValidationError) -> str:
    return " ".join(error.messages)


@login_required
def portal(request):
    submissions = selectors.submissions_for_user(user=request.user)
    speaker = selectors.speaker_of(request.user)
    items = [
        {
            "submission": s,
            "deadline": selectors.submission_deadline(s),
            "overdue": selectors.submission_is_overdue(s),
            "missing": s.missing(),
        }
        for s in submissions
    ]
    return render(request, "speak/portal.html", {"items": items, "speaker": speaker})


def _item_context(request, submission, form=None, travel=None, **extra) -> dict:
    link = next(
        (
            link
            for link in submission.speaker_links.all()
            if link.speaker.user_id == request.user.pk
        ),
        None,
    )
    return {
        "submission": submission,
        "form": form or SubmissionForm(instance=submission),
        "travel_form": travel
        or TravelForm(
            initial={
                "arrival_date": link.arrival_date,
                "dietary_needs": link.dietary_needs,
                "access_needs": link.access_needs,
            }
            if link
            else None
        ),
        "public": selectors.public_view(submission),
        "history": selectors.submission_history(submission=submission),
        "deadline": selectors.submission_deadline(submission),
        "missing": submission.missing(),
        "slides_form": SlidesForm(),
        "copresenter_form": CopresenterForm(),
        "open_invitations": [
            i
            for i in submission.invitations.filter(is_copresenter=True)
            if i.status == SubmissionInvitation.Status.OPEN
        ],
        **extra,
    }


@login_required
@require_http_methods(["GET", "POST"])
def item(request, pk: int):
    submission = selectors.submission_for_user(user=request.user, pk=pk)
    if request.method == "GET":
        return render(request, "speak/item.html", _item_context(request, submission))
    form = SubmissionForm(request.POST, instance=submission)
    travel = TravelForm(request.POST)
    locked = selectors.details_locked_reason(submission)
    if locked:
        messages.error(request, locked)
        return redirect(submission.get_absolute_url())
    if form.is_valid() and travel.is_valid():
        try:
            services.submission_details_save(
                submission=submission,
                user=request.user,
                data=form.cleaned_data,
                travel=travel.cleaned_data,
            )
            if "submit" in request.POST:
                services.submission_submit(submission=submission, user=request.user)
                messages.success(
                    request,
                    _("Submitted: the programme team will review your details."),
                )
            else:
                messages.success(request, _("Saved. Submit when you are ready."))
            return redirect(submission.get_absolute_url())
        except ValidationError as error:
            messages.error(request, _errors(error))
            submission.refresh_from_db()
    context = _item_context(request, submission, form=form, travel=travel)
    return render(request, "speak/item.html", context, status=400)


def _run(request, submission, action, success: str):
    try:
        action()
    except ValidationError as error:
        messages.error(request, _errors(error))
    else:
        messages.success(request, success)
    return redirect(submission.get_absolute_url())


@login_required
@require_POST
def confirm(request, pk: int):
    submission = selectors.submission_for_user(user=request.user, pk=pk)
    return _run(
        request,
        submission,
        lambda: services.submission_confirm(submission=submission, user=request.user),
        _("Thank you: your attendance is confirmed."),
    )


@login_required
@require_http_methods(["GET", "POST"])
def withdraw(request, pk: int):
    submission = selectors.submission_for_user(user=request.user, pk=pk)
    form = WithdrawForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        return _run(
            request,
            submission,
            lambda: services.submission_withdraw(
                submission=submission,
                user=request.user,
                reason=form.cleaned_data["reason"],
            ),
            _("You have withdrawn; the programme team has been told."),
        )
    return render(
        request,
        "speak/withdraw.html",
        {"submission": submission, "form": form},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def slides_upload(request, pk: int):
    submission = selectors.submission_for_user(user=request.user, pk=pk)
    form = SlidesForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors.get("slides", [])))
        return redirect(submission.get_absolute_url())
    return _run(
        request,
        submission,
        lambda: services.submission_slides_upload(
            submission=submission, user=request.user, file=form.cleaned_data["slides"]
        ),
        _("Your slides are uploaded."),
    )


@login_required
@require_POST
def copresenter_invite(request, pk: int):
    submission = selectors.submission_for_user(user=request.user, pk=pk)
    form = CopresenterForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Enter your co-presenter's name and email address."))
        return redirect(submission.get_absolute_url())
    return _run(
        request,
        submission,
        lambda: services.invitation_create(
            submission=submission,
            invited_by=request.user,
            is_copresenter=True,
            **form.cleaned_data,
        ),
        _("Invitation sent to %(email)s.") % {"email": form.cleaned_data["email"]},
    )


@login_required
@require_http_methods(["GET", "POST"])
def profile(request):
    speaker = selectors.speaker_of(request.user)
    if speaker is None:
        raise Http404("No speaker profile")
    form = SpeakerProfileForm(
        request.POST or None, request.FILES or None, instance=speaker
    )
    if request.method == "POST":
        if form.is_valid():
            try:
                services.speaker_profile_save(speaker=speaker, data=form.profile_data())
            except ValidationError as error:
                messages.error(request, _errors(error))
            else:
                messages.success(request, _("Your speaker profile is saved."))
                return redirect("speak:profile")
        speaker.refresh_from_db()
    return render(
        request,
        "speak/profile.html",
        {"form": form, "speaker": speaker},
        status=400 if request.method == "POST" else 200,
    )


@require_http_methods(["GET", "POST"])
def invitation(request, token: str):
    """The link in the invitation email: sign in or up, then accept."""
    found = selectors.invitation_for_token(token=token)
    refusal = services.invitation_refusal(found)
    if refusal:
        return render(
            request, "speak/invitation_refused.html", {"reason": refusal}, status=410
        )
    if request.method == "POST" and request.user.is_authenticated:
        try:
            submission = services.invitation_claim(token=token, user=request.user)
        except ValidationError as error:
            return render(
                request,
                "speak/invitation_refused.html",
                {"reason": _errors(error)},
                status=410,
            )
        messages.success(request, _("Welcome: you are now a speaker on this item."))
        return redirect(submission.get_absolute_url())
    return render(
        request,
        "speak/invitation.html",
        {
            "invitation": found,
            "submission": found.submission,
            "other_address": request.user.is_authenticated
            and not services.invitation_is_for(found, request.user),
        },
    )


def slides_may_download(*, user, submission: Submission) -> bool:
    """Organisers always (``events.change_submission``: the programme team and
    organisers, not reviewers or read-only staff, who may only view the item); the
    item's speakers; delegates checked in at the edition, after the session ended,
    when the speaker agreed to share."""
    if not user.is_authenticated or not submission.slides:
        return False
    if user.is_staff and user.has_perm("events.change_submission"):
        return True
    if submission.speaker_links.filter(speaker__user=user).exists():
        return True
    version = submission.accepted_version
    session = submission.session
    if not (version and version.consent_slides and submission.consent_slides):
        return False
    if session is None or session.ends_at > timezone.now():
        return False
    answers = slides_attendee_check.send(
        sender=Submission, user=user, edition=submission.edition
    )
    return any(answer for _receiver, answer in answers)


def slides_download(request, pk: int):
    submission = (
        Submission.objects.select_related("session", "accepted_version", "edition")
        .filter(pk=pk)
        .first()
    )
    if submission is None or not slides_may_download(
        user=request.user, submission=submission
    ):
        raise Http404("No slides")
    handle = submission.slides.open("rb")
    return FileResponse(
        handle,
        as_attachment=True,
        filename=f"slides-{submission.pk}.pdf",
        content_type="application/pdf",
    )
