from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from events.models import Edition
from socex.exports import csv_response
from socex.roles.decorators import staff_permission_required
from socex.storage import private_storage

from ..models import Registration
from ..privacy import services as privacy
from . import selectors, services
from .forms import CheckInByReferenceForm, CheckInForm, CheckInSearchForm
from .models import Badge

# The door pages: staff holding the check-in permission (not every staff member).
door_staff_required = staff_permission_required("delegates.check_in")
# Who attended is a personal-data export: organisers only.
export_staff_required = staff_permission_required("delegates.export_registration")


@login_required
@require_GET
def badge_download(request, reference: str):
    """The signed-in delegate's own badge; anybody else's is a 404."""
    badge = (
        Badge.objects.select_related("registration")
        .filter(
            registration__reference=reference,
            registration__user=request.user,
            registration__status=Registration.Status.CONFIRMED,
            status=Badge.Status.READY,
        )
        .exclude(file="")
        .first()
    )
    if badge is None or not private_storage().exists(badge.file.name):
        raise Http404("No badge here.")
    return FileResponse(
        badge.file.open("rb"),
        content_type="application/pdf",
        as_attachment=False,
        filename=f"SOCEX badge {badge.registration.reference}.pdf",
    )


@door_staff_required
@require_GET
def checkin_index(request):
    """Published editions that are coming up or ended in the last month (the door
    and the attendance list afterwards), soonest first, each saying whether its
    door is open; archived ones are history."""
    today = timezone.localdate()
    editions = selectors.checkin_editions(today=today)
    rows = [
        (edition, selectors.checkin_closed_reason(edition=edition, today=today))
        for edition in editions
    ]
    return render(request, "delegates/badges/checkin_index.html", {"editions": rows})


def _door_edition(slug: str) -> Edition:
    """Drafts and archived editions have no door (404)."""
    return get_object_or_404(Edition, slug=slug, status=Edition.Status.PUBLISHED)


def _checkin_page(request, edition, *, form, result=None, status=200, error=""):
    search = CheckInSearchForm(request.GET or None)
    found = None
    if search.is_valid() and search.cleaned_data["q"]:
        found = selectors.checkin_search(
            edition=edition, query=search.cleaned_data["q"]
        )
        privacy.personal_data_access_record(
            request=request,
            kind=privacy.Kind.CHECK_IN_LOOKUP,
            edition=edition,
            rows=len(found),
            detail="search",
        )
    elif search.is_bound and not search.is_valid():
        status = 400
    return render(
        request,
        "delegates/badges/checkin.html",
        {
            "edition": edition,
            "form": form,
            "search": search,
            "found": found,
            "desk_error": error,
            "result": result,
            # What the badge prints on its back, from the apps that answer the hook.
            "workshops": (
                selectors.badge_workshops(registrations=[result.registration])[
                    result.registration.pk
                ]
                if result is not None
                else []
            ),
            "counts": selectors.checkin_counts(edition=edition),
            "recent": selectors.recent_checkins(edition=edition),
        },
        status=status,
    )


@door_staff_required
@require_http_methods(["GET", "POST"])
def checkin(request, slug: str):
    """Scan or type a badge code; shows who it is and records their arrival.

    Outside the check-in window the page says when the door opens or closed, and
    answers 403 without recording anything."""
    edition = _door_edition(slug)
    closed = selectors.checkin_closed_reason(edition=edition)
    if closed:
        return render(
            request,
            "delegates/badges/checkin.html",
            {"edition": edition, "closed": closed},
            status=403,
        )
    if request.method == "GET":
        return _checkin_page(request, edition, form=CheckInForm())
    if "reference" in request.POST:
        # Found by name at the desk: no badge to scan.
        by_name = CheckInByReferenceForm(request.POST)
        form = CheckInForm()
        if not by_name.is_valid():
            return _checkin_page(
                request,
                edition,
                form=form,
                status=400,
                error=_("That is not a registration reference: search by name again."),
            )
        try:
            result = services.check_in_record_by_reference(
                reference=by_name.cleaned_data["reference"],
                edition=edition,
                operator=request.user,
            )
        except ValidationError as exc:
            return _checkin_page(
                request, edition, form=form, status=400, error=" ".join(exc.messages)
            )
    else:
        form = CheckInForm(request.POST)
        if not form.is_valid():
            return _checkin_page(request, edition, form=form, status=400)
        try:
            result = services.check_in_record(
                token=form.cleaned_data["token"],
                edition=edition,
                operator=request.user,
            )
        except ValidationError as exc:
            form.add_error("token", exc)
            return _checkin_page(request, edition, form=form, status=400)
    privacy.personal_data_access_record(
        request=request,
        kind=privacy.Kind.CHECK_IN_LOOKUP,
        edition=edition,
        subject=result.registration.user,
        rows=1,
        detail=result.outcome,
    )
    # A fresh, empty form: the next delegate's code goes straight in.
    return _checkin_page(request, edition, form=CheckInForm(), result=result)


@door_staff_required
@require_GET
def checkin_count(request, slug: str):
    edition = _door_edition(slug)
    closed = selectors.checkin_closed_reason(edition=edition)
    if closed:
        return JsonResponse({"detail": str(closed)}, status=403)
    return JsonResponse(selectors.checkin_counts(edition=edition))


@export_staff_required
@require_GET
def attendance_csv(request, slug: str):
    """Who attended: every confirmed registration, checked in or not (also after
    the event and once archived: the list the organisers keep)."""
    edition = get_object_or_404(Edition, slug=slug)
    rows = []
    for registration in selectors.attendance(edition=edition):
        profile = getattr(registration.user, "profile", None)
        check_in = getattr(registration, "check_in", None)
        rows.append(
            [
                registration.reference,
                profile.last_name if profile else registration.user.last_name,
                profile.first_name if profile else registration.user.first_name,
                profile.name_on_badge if profile else "",
                profile.organisation if profile else "",
                registration.get_category_display(),
                registration.get_status_display(),
                timezone.localtime(check_in.checked_in_at).strftime("%Y-%m-%d %H:%M")
                if check_in
                else "",
                str(check_in.operator or "") if check_in else "",
            ]
        )
    privacy.personal_data_access_record(
        request=request,
        kind=privacy.Kind.ATTENDANCE_CSV,
        edition=edition,
        rows=len(rows),
    )
    return csv_response(
        filename=f"{edition.slug}-attendance.csv",
        header=[
            "Reference",
            "Surname",
            "First name",
            "Name on badge",
            "Organisation",
            "Category",
            "Status",
            "Checked in at",
            "Checked in by",
        ],
        rows=rows,
    )
