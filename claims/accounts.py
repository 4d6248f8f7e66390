"""Staff accounts for the two workflow roles."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

ROLES = {"curator": "Curator", "editor": "Editor"}


def create_staff_user(username, password, role, email=""):
    """Create (or update) a staff account in the Curator or Editor group."""
    if role not in ROLES:
        raise ValueError(f"Unknown role {role!r}: choose one of {', '.join(ROLES)}.")
    user, created = get_user_model().objects.get_or_create(username=username, defaults={"email": email})
    user.is_staff = True
    user.set_password(password)
    user.save()
    user.groups.set([Group.objects.get(name=ROLES[role])])
    return user, created
