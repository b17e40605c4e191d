"""The one guard for staff pages outside the admin."""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied


def staff_permission_required(*permissions: str):
    """Staff holding every one of ``permissions`` (``app_label.codename``) only.

    Anonymous visitors are sent to log in; anybody else is refused (403). Being staff
    is required too, so the staff rules (a second factor) apply to whoever gets in.
    The view records what it needs in ``staff_permissions``, which the role matrix
    test reads.
    """

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not (user.is_active and user.is_staff and user.has_perms(permissions)):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        wrapper.staff_permissions = frozenset(permissions)
        return wrapper

    return decorator
