"""The sessions signed in (allauth.usersessions), recorded without a write per request.

allauth's UserSessionsMiddleware records a session's IP address, browser and "last
seen" on every authenticated request: a read, an update and a savepoint each time.
SOCEX records them at login (allauth) and then at most once every
USERSESSIONS_TRACK_EVERY_SECONDS per session, which is all "last seen" needs.
"""

import time

from allauth.usersessions.internal import usersessionkit
from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

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
