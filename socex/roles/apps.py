from django.apps import AppConfig


class RolesConfig(AppConfig):
    name = "socex.roles"
    label = "roles"
    verbose_name = "Staff roles"
