"""The sessions signed in (allauth.usersessions), recorded without a write per request.

allauth's UserSessionsMiddleware records a session's IP address, browser and "last
seen" on every authenticated request: a read, an update and a savepoint each time.
SOCEX records them at login (allauth) and then at most once every
USERSESSIONS_TRACK_EVERY_SECONDS per session, which is all "last seen" needs.

The rows hold IP addresses and browsers, so they answer the privacy hooks too: they
are in "Download my data" and go when the account is erased.
"""

import time

from allauth.usersessions.internal import usersessionkit
from allauth.usersessions.models import UserSession
from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from delegates.privacy.signals import personal_data_collect, personal_data_erase

TRACKED_SESSION_KEY = "socex_usersession_tracked"


class UserSessionsMiddleware:
    """allauth's session tracking, throttled per session."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        session = getattr(request, "session", None)
        if user is not None and session is not None and user.is_authenticated:
            now = int(time.time())
            tracked = session.get(TRACKED_SESSION_KEY)
            every = settings.USERSESSIONS_TRACK_EVERY_SECONDS
            if not isinstance(tracked, int) or now - tracked >= every:
                usersessionkit.track_activity(request, user=user, session=session)
                session[TRACKED_SESSION_KEY] = now
        return self.get_response(request)


@receiver(user_logged_in, dispatch_uid="socex.usersession_login_tracked")
def usersession_login_tracked(sender, request, user, **kwargs):
    """allauth records the session as it logs a person in: the next request need not."""
    if request is not None and hasattr(request, "session"):
        request.session[TRACKED_SESSION_KEY] = int(time.time())


@receiver(personal_data_collect, dispatch_uid="socex.usersessions_personal_data")
def usersessions_personal_data(sender, *, user, **kwargs):
    """The sessions signed in, with the IP address and browser recorded for each."""
    sessions = UserSession.objects.filter(user_id=user.pk).order_by("created_at")
    return {
        "sessions": [
            {
                "ip": session.ip,
                "browser": session.user_agent,
                "logged_in_at": session.created_at.isoformat(),
                "last_seen_at": session.last_seen_at.isoformat(),
            }
            for session in sessions
        ]
    }


@receiver(personal_data_erase, dispatch_uid="socex.usersessions_personal_data_erase")
def usersessions_personal_data_erase(sender, *, user, **kwargs):
    """Erasure ends every session (the password goes); their rows go with them."""
    UserSession.objects.filter(user_id=user.pk).delete()
    return 0  # the hook counts files removed; these are rows
