from django.apps import AppConfig


class WorkshopsConfig(AppConfig):
    name = "workshops"
    verbose_name = "Workshops"

    def ready(self) -> None:
        # Connecting receivers needs the models, which load after the app registry.
        from . import hooks, privacy, receivers, speaking  # noqa: F401, PLC0415
