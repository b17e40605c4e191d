from django.apps import AppConfig
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save


class EventsConfig(AppConfig):
    name = "events"
    verbose_name = "Events"

    def ready(self) -> None:
        # Models and the cache module are importable only once the app registry is
        # ready, so ready() imports them here.
        from events import cache, changes, models  # noqa: PLC0415

        # Celery autodiscovery finds events.tasks only; the speaker tasks register here.
        from events.speaking import tasks  # noqa: F401, PLC0415

        # Any change to what the public pages show invalidates their cached copies.
        for model in (
            models.Series,
            models.Venue,
            models.Room,
            models.Edition,
            models.Speaker,
            models.AgendaSession,
            models.SessionSpeaker,
            models.Partner,
            models.EditionPartner,
        ):
            uid = f"events-version-{model.__name__}"
            post_save.connect(cache.version_bump, sender=model, dispatch_uid=uid)
            post_delete.connect(
                cache.version_bump, sender=model, dispatch_uid=uid + "-delete"
            )
        m2m_changed.connect(
            cache.version_bump,
            sender=models.AgendaSession.speakers.through,
            dispatch_uid="events-version-speakers",
        )
        # A published session's time, room or title change reaches its people.
        pre_save.connect(
            changes.before_session_save,
            sender=models.AgendaSession,
            dispatch_uid="events-session-changes-before",
        )
        post_save.connect(
            changes.after_session_save,
            sender=models.AgendaSession,
            dispatch_uid="events-session-changes-after",
        )
