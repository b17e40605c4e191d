"""Demo badges: a check-in token for every confirmed demo registration, and the demo
delegate's badge rendered, so My SOCEX offers it and the door can scan it.
Idempotent: existing badges keep their tokens; an unchanged badge is not redrawn."""

from socex.demo import DEMO_ACCOUNTS

from ..models import Registration
from .models import Badge
from .services import badge_new, badge_render


def load(*, stdout) -> None:
    missing = Registration.objects.filter(
        status=Registration.Status.CONFIRMED, badge__isnull=True
    )
    created = Badge.objects.bulk_create(
        badge_new(registration) for registration in missing
    )
    demo = Registration.objects.filter(
        user__email=DEMO_ACCOUNTS["delegate"], status=Registration.Status.CONFIRMED
    )
    outcomes = [
        badge_render(registration_id=pk) for pk in demo.values_list("pk", flat=True)
    ]
    stdout.write(
        f"Badges: {len(created)} check-in tokens added; demo delegate's badge "
        f"{', '.join(outcomes) or 'not confirmed'}."
    )
