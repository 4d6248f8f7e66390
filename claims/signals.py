"""Log every staff login, successful or not, with the client's address; and
tell caches of public counts when the corpus changes."""

import logging

from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from corpus_site.requestlog import client_ip

from . import corpusversion
from .models import Citation, Claim, Company, Source, Topic

security_log = logging.getLogger("corpus.security")


@receiver(user_logged_in)
def log_login(sender, request, user, **kwargs):
    fields = {"event": "login", "username": user.get_username(), "client_ip": client_ip(request) if request else None}
    security_log.info("login %s", fields["username"], extra={"fields": fields})


@receiver(user_login_failed)
def log_login_failure(sender, credentials, request=None, **kwargs):
    username = credentials.get("username", "")
    fields = {"event": "login_failed", "username": username, "client_ip": client_ip(request) if request else None}
    security_log.warning("login failed %s", username, extra={"fields": fields})


# Whatever a public count can depend on. Bulk writes (load_corpus) bypass
# these signals and bump the version themselves.
for model in (Claim, Citation, Source, Company, Topic):
    post_save.connect(corpusversion.bump, sender=model, dispatch_uid=f"corpus-version-save-{model.__name__}")
    post_delete.connect(corpusversion.bump, sender=model, dispatch_uid=f"corpus-version-delete-{model.__name__}")
for through in (Claim.companies.through, Claim.topics.through):
    m2m_changed.connect(corpusversion.bump, sender=through, dispatch_uid=f"corpus-version-m2m-{through.__name__}")
