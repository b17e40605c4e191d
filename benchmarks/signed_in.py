"""Shared by the load benchmarks: delegates who can register at once.

``signed_in_delegates`` makes them in bulk (users, verified email addresses, complete
profiles) with one shared unusable password (hashing is not what is measured) and a
logged-in database session each, as a browser would hold after logging in.
"""

# Django is set up by the calling benchmark after it chose its settings, so the
# imports wait for the call.
# ruff: noqa: PLC0415


def signed_in_delegates(
    emails: list[str], *, first_name: str, last_name: str, organisation: str
) -> list[tuple[object, str]]:
    """A delegate for each of ``emails`` (verified, with a complete profile named
    ``first_name`` and ``last_name`` plus its index) and their session key, in
    order: [(user, session key)]."""
    from allauth.account.models import EmailAddress
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.hashers import make_password
    from django.contrib.sessions.backends.db import SessionStore

    from delegates.models import Profile, User

    password = make_password(None)
    users = User.objects.bulk_create(
        [User(email=email, password=password) for email in emails]
    )
    EmailAddress.objects.bulk_create(
        [
            EmailAddress(user=u, email=u.email, verified=True, primary=True)
            for u in users
        ]
    )
    Profile.objects.bulk_create(
        [
            Profile(
                user=u,
                first_name=first_name,
                last_name=f"{last_name} {n}",
                job_title="Investigator",
                organisation=organisation,
                organisation_type=Profile.OrganisationType.UK_POLICE,
                country="United Kingdom",
            )
            for n, u in enumerate(users)
        ]
    )
    backend = settings.AUTHENTICATION_BACKENDS[0]
    signed_in = []
    for user in users:
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = backend
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        signed_in.append((user, session.session_key))
    return signed_in
