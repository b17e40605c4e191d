from django import template
from django.urls import reverse

from workshops import selectors

register = template.Library()


@register.simple_tag
def workshop_panel(registration) -> dict:
    """What the dashboard shows about one registration's workshops."""
    edition = registration.edition
    has_workshops = selectors.offered_runs(edition).exists()
    if not has_workshops:
        return {"has_workshops": False}
    state = selectors.choice_state(registration)
    if state.can_rank:
        action_url = reverse("workshops:rank", args=[registration.reference])
    else:
        action_url = reverse("workshops:choose", args=[registration.reference])
    return {
        "has_workshops": True,
        "choices": selectors.registration_choices(registration),
        "state": state,
        "n": state.settings.workshops_per_delegate,
        "action_url": action_url,
        "ranked_count": registration.workshop_preferences.count(),
    }
