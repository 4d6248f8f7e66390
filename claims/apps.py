from django.apps import AppConfig


class ClaimsConfig(AppConfig):
    name = "claims"
    verbose_name = "Claims corpus"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Connect the signal receivers: the write door's and the query time limit's.
        from claims import changes  # noqa: F401
        from claims.scale import querylimits  # noqa: F401
        from corpus_site import checks, logins  # noqa: F401  (the deploy checks; login logs)
