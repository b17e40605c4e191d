from django.apps import AppConfig


class DelegatesConfig(AppConfig):
    name = "delegates"
    verbose_name = "Delegates"

    def ready(self) -> None:
        from . import receivers as delegates_receivers  # noqa: F401
        from .badges import receivers  # noqa: F401
