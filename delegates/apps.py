from django.apps import AppConfig


class DelegatesConfig(AppConfig):
    name = "delegates"
    verbose_name = "Delegates"

    def ready(self) -> None:
        from .badges import receivers  # noqa: F401
