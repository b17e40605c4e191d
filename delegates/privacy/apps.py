from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    """Retention, "download my data", erasure and the personal-data audit."""

    name = "delegates.privacy"
    label = "privacy"
    verbose_name = "Privacy"
    default_auto_field = "django.db.models.BigAutoField"
