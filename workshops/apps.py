from django.apps import AppConfig
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save


class WorkshopsConfig(AppConfig):
    name = "workshops"
    verbose_name = "Workshops"

    def ready(self) -> None:
        # Connecting receivers needs the models, which load after the app registry.
        from events import cache  # noqa: PLC0415

        from . import (  # noqa: F401, PLC0415
            changes,
            hooks,
            models,
            privacy,
            receivers,
            speaking,
        )

        # A change to what the public workshops pages show (titles, summaries,
        # leaders, times, rooms, the call for proposals) invalidates the cached
        # public pages. Seat counts move through queryset updates, which send no
        # signal: choosing a workshop does not empty the cache.
        for model in (
            models.Workshop,
            models.WorkshopRun,
            models.TimeBlock,
            models.WorkshopCall,
        ):
            uid = f"workshops-version-{model.__name__}"
            post_save.connect(cache.version_bump, sender=model, dispatch_uid=uid)
            post_delete.connect(
                cache.version_bump, sender=model, dispatch_uid=uid + "-delete"
            )
        m2m_changed.connect(
            cache.version_bump,
            sender=models.Workshop.facilitators.through,
            dispatch_uid="workshops-version-facilitators",
        )

        # A published run's block, room or title change reaches its people.
        for model, before, after in (
            (models.WorkshopRun, changes.before_run_save, changes.after_run_save),
            (
                models.Workshop,
                changes.before_workshop_save,
                changes.after_workshop_save,
            ),
        ):
            uid = f"workshops-changes-{model.__name__}"
            pre_save.connect(before, sender=model, dispatch_uid=f"{uid}-before")
            post_save.connect(after, sender=model, dispatch_uid=f"{uid}-after")
