from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "orchestration.portal"
    label = "portal"
    verbose_name = "Portal kabupaten/kota"
    default_auto_field = "django.db.models.BigAutoField"
