from django.apps import AppConfig


class ClaimsConfig(AppConfig):
    name = "claims"
    verbose_name = "Claims corpus"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from corpus_site import checks  # noqa: F401  (register the deploy checks)

        from . import querylimits, signals  # noqa: F401  (connect their signal receivers)
