from django.apps import AppConfig


class SocexConfig(AppConfig):
    name = "socex"
    verbose_name = "SOCEX"
