from django.apps import AppConfig


class DelegatesConfig(AppConfig):
    name = "delegates"
    verbose_name = "Delegates"

    def ready(self) -> None:
        # Receivers import models and services: only possible once apps are loaded.
        from . import receivers as delegates_receivers  # noqa: F401, PLC0415  see above
        from . import speaking  # noqa: F401, PLC0415  (as above)
        from .badges import receivers  # noqa: F401, PLC0415  (as above)
