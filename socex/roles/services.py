"""Creating the staff groups from ``definitions.ROLES``."""

from fnmatch import fnmatchcase

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.core.exceptions import ImproperlyConfigured
from django.db import DEFAULT_DB_ALIAS, transaction

from .definitions import NEVER_IN_A_ROLE, ROLES


def _ensure_permissions(*, apps, using: str) -> None:
    """Permissions are normally made after ``migrate`` ends (post_migrate); a data
    migration that assigns them runs before that, so make them now."""
    for app_config in apps.get_app_configs():
        models_module = getattr(app_config, "models_module", None)
        if apps is global_apps and models_module is None:
            continue
        # Historical app configs have no models module; create_permissions skips
        # those (the documented way round it in a migration).
        app_config.models_module = models_module or True
        try:
            create_permissions(app_config, verbosity=0, using=using, apps=apps)
        finally:
            app_config.models_module = models_module


def resolve_role(patterns, available: set[str], *, strict: bool = True) -> set[str]:
    """The permissions of ``available`` (``app_label.codename``) that ``patterns``
    name. A name or a pattern that matches nothing is a mistake in the definitions:
    raise, rather than give a role less (or silently more) than written. Not
    ``strict`` (the roles' own data migration, which runs before later migrations
    have made their models), what does not exist yet is left for the sync after
    ``migrate``, which is strict."""
    chosen: set[str] = set()
    for pattern in patterns:
        if "*" in pattern:
            matched = {name for name in available if fnmatchcase(name, pattern)}
        else:
            matched = {pattern} & available
        if not matched and strict:
            raise ImproperlyConfigured(f"Staff roles: no permission matches {pattern}")
        chosen |= matched
    return chosen - NEVER_IN_A_ROLE


@transaction.atomic
def roles_sync(
    *, apps=global_apps, using: str = DEFAULT_DB_ALIAS, strict: bool = True
) -> dict[str, int]:
    """Create each role's group and give it exactly the permissions its definition
    names (adding what is missing, removing what was added by hand). Groups that are
    not roles are left alone. Safe to run again. Returns the count per role."""
    _ensure_permissions(apps=apps, using=using)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    by_name = {
        f"{app_label}.{codename}": pk
        for pk, app_label, codename in Permission.objects.using(using).values_list(
            "pk", "content_type__app_label", "codename"
        )
    }
    counts = {}
    for role, patterns in ROLES.items():
        chosen = resolve_role(patterns, set(by_name), strict=strict)
        group, _created = Group.objects.using(using).get_or_create(name=role)
        group.permissions.set(sorted(by_name[name] for name in chosen))
        counts[role] = len(chosen)
    return counts
