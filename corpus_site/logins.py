"""Every staff login, successful or not, logged with the client's address
(on corpus.security; docs/operations.md). Connected when the claims app is
ready (claims/apps.py)."""

import logging

from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.dispatch import receiver

from corpus_site.requestlog import client_ip

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
