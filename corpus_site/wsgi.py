"""
WSGI config for corpus_site project.

It exposes the WSGI callable as a module-level variable named ``application``.

For more information on this file, see
https://docs.djangoproject.com/en/5.2/howto/deployment/wsgi/
"""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "corpus_site.settings")
# Web requests get a per-query time limit (claims/scale/querylimits.py); set 0 to
# turn it off. Management commands do not load this module.
os.environ.setdefault("DATABASE_STATEMENT_TIMEOUT_MS", "3000")

application = get_wsgi_application()
