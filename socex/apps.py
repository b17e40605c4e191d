from django.apps import AppConfig


class SocexConfig(AppConfig):
    name = "socex"
    verbose_name = "SOCEX"

    def ready(self):
        from socex import receivers  # noqa: F401  (connects the signal receivers)
