"""A delegate's profile: what is printed on the badge and used to vet them."""

from django.db import transaction

from ..models import Profile, User

PROFILE_FIELDS = (
    "title_rank",
    "first_name",
    "last_name",
    "post_nominals",
    "badge_name",
    "job_title",
    "organisation",
    "organisation_type",
    "country",
    "phone",
    "dietary_requirements",
    "accessibility_requirements",
)


@transaction.atomic
def profile_save(*, user: User, **fields) -> Profile:
    """Create or update the user's profile from ``fields`` (see PROFILE_FIELDS).

    Side effect (receiver in ``delegates.badges``): saving an existing profile
    re-renders the badges of the person's confirmed registrations after commit.
    """
    unknown = set(fields) - set(PROFILE_FIELDS)
    if unknown:
        raise ValueError(f"Unknown profile fields: {sorted(unknown)}")
    profile = Profile.objects.select_for_update().filter(user=user).first()
    if profile is None:
        profile = Profile(user=user)
    for name, value in fields.items():
        if isinstance(value, str):
            value = value.strip()
        setattr(profile, name, value)
    profile.full_clean()
    profile.save()
    return profile
