from datetime import timedelta
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from events.models import Edition
from socex.exports import csv_response
from socex.storage import private_storage

from ..models import Registration
from ..privacy import services as privacy
from . import selectors, services
from .forms import CheckInForm
from .models import Badge


def staff_required(view):
    """Organisers only: anonymous users are sent to log in, others get 403."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not (request.user.is_active and request.user.is_staff):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


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


@staff_required
@require_GET
def checkin_index(request):
    """Published editions that are coming up or ended in the last month (the door
    and the attendance list afterwards); archived ones are history."""
    since = timezone.localdate() - timedelta(days=30)
    editions = Edition.objects.select_related("series", "venue").filter(
        status=Edition.Status.PUBLISHED, end_date__gte=since
    )
    return render(
        request, "delegates/badges/checkin_index.html", {"editions": editions}
    )


def _checkin_page(request, edition, *, form, result=None, status=200):
    return render(
        request,
        "delegates/badges/checkin.html",
        {
            "edition": edition,
            "form": form,
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


@staff_required
@require_http_methods(["GET", "POST"])
def checkin(request, slug: str):
    """Scan or type a badge code; shows who it is and records their arrival."""
    edition = get_object_or_404(Edition, slug=slug)
    if request.method == "GET":
        return _checkin_page(request, edition, form=CheckInForm())
    form = CheckInForm(request.POST)
    if not form.is_valid():
        return _checkin_page(request, edition, form=form, status=400)
    try:
        result = services.check_in_record(
            token=form.cleaned_data["token"], edition=edition, operator=request.user
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


@staff_required
@require_GET
def checkin_count(request, slug: str):
    edition = get_object_or_404(Edition, slug=slug)
    return JsonResponse(selectors.checkin_counts(edition=edition))


@staff_required
@require_GET
def attendance_csv(request, slug: str):
    """Who attended: every confirmed registration, checked in or not."""
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
