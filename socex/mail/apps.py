from django.apps import AppConfig


class MailConfig(AppConfig):
    name = "socex.mail"
    label = "mail"
    verbose_name = "Email outbox"
