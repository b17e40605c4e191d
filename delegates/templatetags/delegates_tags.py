from django import template

from ..models import Registration
from ..selectors import edition_availability, registration_closed_reason

register = template.Library()


@register.simple_tag(takes_context=True)
def registration_state(context, edition) -> dict:
    """What the register button shows for ``edition``.

    ``registration`` is looked up only for a signed-in user, so the anonymous output
    is the same for every anonymous visitor (those pages may be cached). A page
    listing many editions can pass ``registrations_by_edition`` ({edition id:
    registration}) and ``availability_by_edition`` (``editions_availability``) in its
    context to avoid a query per edition.
    """
    user = context.get("user")
    registration = None
    if user is not None and user.is_authenticated:
        known = context.get("registrations_by_edition")
        if known is not None:  # a page that already loaded them saves a query each
            registration = known.get(edition.pk)
        else:
            registration = Registration.objects.filter(
                edition=edition, user=user
            ).first()
    if (
        registration is not None
        and registration.status == Registration.Status.CANCELLED
    ):
        registration = None  # a cancelled delegate may register again
    closed = registration_closed_reason(edition=edition)
    availability = None
    if registration is None and not closed:
        known = context.get("availability_by_edition")  # loaded in bulk by a list
        if known is not None and edition.pk in known:
            availability = known[edition.pk]
        else:
            availability = edition_availability(edition=edition)
    return {
        "registration": registration,
        "closed": closed,
        # Said before anyone clicks: a full edition's button joins the waiting list.
        "availability": availability,
    }
