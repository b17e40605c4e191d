"""Project-wide signal receivers, connected in SocexConfig.ready()."""

import time

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from socex.middleware import LAST_SEEN_SESSION_KEY


@receiver(user_logged_in, dispatch_uid="socex.staff_login_seen")
def staff_login_seen(sender, request, user, **kwargs):
    """Signing in is activity: start the staff idle clock (StaffIdleTimeoutMiddleware)
    now, so the next request does not have to write the session."""
    is_staff = user.is_staff or user.is_superuser
    if is_staff and request is not None and hasattr(request, "session"):
        request.session[LAST_SEEN_SESSION_KEY] = int(time.time())
