"""Create a curator or editor login: manage.py add_staff alice --role curator."""

import getpass
import sys

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from claims.accounts import ROLES, create_staff_user


class Command(BaseCommand):
    help = "Create or update a staff account in the Curator or Editor group."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--role", choices=sorted(ROLES), required=True)
        parser.add_argument("--email", default="")
        parser.add_argument("--password", help="Prompted for when omitted (avoid on shared machines: it shows in ps).")

    def handle(self, username, role, email, password, **options):
        if password is None:
            if not sys.stdin.isatty():
                raise CommandError(
                    "No terminal to ask for a password: pass --password (or run the command in a terminal)."
                )
            password = getpass.getpass(f"Password for {username}: ")
        try:
            validate_password(password)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages))
        user, created = create_staff_user(username, password, role, email)
        self.stdout.write(f"{'Created' if created else 'Updated'} {role} '{user.username}'.")
