from django.apps import AppConfig


class SocexConfig(AppConfig):
    name = "socex"
    verbose_name = "SOCEX"

    def ready(self):
        # Receivers import models: only once the app registry is ready.
        from socex import receivers, usersessions, watchdog  # noqa: F401, PLC0415
        from socex.db import psycopg_cache_long_statements  # noqa: PLC0415

        psycopg_cache_long_statements()
