"""Demo accounts: an organiser (staff), a delegate and a speaker, all verified."""

from allauth.account.models import EmailAddress

from socex.demo import DEMO_ACCOUNTS, DEMO_PASSWORD

from .models import User


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
    _account(DEMO_ACCOUNTS["organiser"], staff=True)
    _account(DEMO_ACCOUNTS["delegate"])
    _account(DEMO_ACCOUNTS["speaker"])
    stdout.write("Demo accounts ready.")
