"""Badge services. Contract used by other apps:

``badge_schedule_render(*, registration)``: after the current transaction commits, make
sure the registration's badge is (re)rendered if anything printed on it changed. The
workshops app calls it after a delegate's workshops change.
"""


def badge_schedule_render(*, registration) -> None:
    # Filled in by the badges work; callers may rely on the name and signature.
    return None
