from django.apps import AppConfig
from django.apps import apps as global_apps
from django.db import connections
from django.db.migrations.recorder import MigrationRecorder
from django.db.models.signals import post_migrate

from .services import roles_sync


def _sync_after_migrate(sender, *, using, apps=global_apps, **kwargs):
    """Keep the groups to their definitions after every ``migrate`` (and after a
    ``flush``, which empties them), as Django does for permissions themselves.
    Skipped while the roles' own migration is not applied (migrating backwards)."""
    applied = MigrationRecorder(connections[using]).applied_migrations()
    if ("roles", "0001_staff_roles") in applied:
        roles_sync(apps=apps, using=using)


class RolesConfig(AppConfig):
    name = "socex.roles"
    label = "roles"
    verbose_name = "Staff roles"

    def ready(self) -> None:
        post_migrate.connect(
            _sync_after_migrate, sender=self, dispatch_uid="socex.roles.sync"
        )
