"""Demo accounts: an organiser (staff), a delegate and a speaker, all verified, each
with a complete profile."""

from allauth.account.models import EmailAddress

from socex.demo import DEMO_ACCOUNTS, DEMO_PASSWORD

from .models import Profile, User

PROFILES = {
    "organiser": {
        "title_rank": "Ms",
        "first_name": "Olivia",
        "last_name": "Hart",
        "job_title": "Conference Organiser",
        "organisation": "SOCEX",
        "organisation_type": Profile.OrganisationType.OTHER,
    },
    "delegate": {
        "title_rank": "DS",
        "first_name": "Alex",
        "last_name": "Morgan",
        "badge_name": "Alex Morgan",
        "job_title": "Detective Sergeant, Economic Crime Unit",
        "organisation": "West Midlands Police",
        "organisation_type": Profile.OrganisationType.UK_POLICE,
        "phone": "+44 121 496 0000",
        "dietary_requirements": "Vegetarian",
    },
    "speaker": {
        "first_name": "Marcus",
        "last_name": "Oyelaran",
        "job_title": "Deputy Director, Economic Crime",
        "organisation": "National Crime Agency",
        "organisation_type": Profile.OrganisationType.NCA,
    },
}


def _account(email: str, *, staff: bool = False) -> User:
    user, created = User.objects.get_or_create(
        email=email, defaults={"is_staff": staff, "is_superuser": staff}
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save()
    EmailAddress.objects.update_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True}
    )
    return user


def load(*, stdout) -> None:
    for role, email in DEMO_ACCOUNTS.items():
        user = _account(email, staff=role == "organiser")
        fields = PROFILES[role]
        User.objects.filter(pk=user.pk).update(
            first_name=fields["first_name"], last_name=fields["last_name"]
        )
        Profile.objects.update_or_create(user=user, defaults=fields)
    stdout.write("Demo accounts ready, with profiles.")
