from django.apps import AppConfig


class ClaimsConfig(AppConfig):
    name = "claims"
    verbose_name = "Claims corpus"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from corpus_site import checks, logins  # noqa: F401  (the deploy checks; login logs)

        from . import changes, querylimits  # noqa: F401  (connect their signal receivers)
