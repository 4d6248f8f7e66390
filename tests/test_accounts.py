"""Staff accounts: add_staff makes a curator or editor login."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError

pytestmark = pytest.mark.django_db


def test_add_staff_without_a_terminal_asks_for_password_option(monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO(""))  # no terminal, as under cron or CI
    with pytest.raises(CommandError, match="No terminal to ask for a password: pass --password"):
        call_command("add_staff", "alice", "--role", "curator")
    assert not get_user_model().objects.filter(username="alice").exists()


def test_add_staff_with_password_option(monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    out = io.StringIO()
    call_command("add_staff", "alice", "--role", "editor", "--password", "a-long-test-password-9", stdout=out)
    assert out.getvalue() == "Created editor 'alice'.\n"
