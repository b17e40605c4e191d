from django.apps import AppConfig
from django.db.models.signals import post_save, pre_save


class WorkshopsConfig(AppConfig):
    name = "workshops"
    verbose_name = "Workshops"

    def ready(self) -> None:
        # Connecting receivers needs the models, which load after the app registry.
        from . import changes, hooks, models, privacy, receivers  # noqa: F401, PLC0415

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
