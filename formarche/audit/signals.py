"""Logging in is not a change of the user: the last-login stamp is written without a history row.

Django's ``update_last_login`` saves the user on every login; with ``User.history`` that would add a
row to the Journal each time. The stamp is still written; only its history row is skipped.
"""

from django.contrib.auth.models import update_last_login
from django.contrib.auth.signals import user_logged_in


def update_last_login_without_history(sender, user, **kwargs):
    user.skip_history_when_saving = True
    try:
        update_last_login(sender, user, **kwargs)
    finally:
        del user.skip_history_when_saving


def connect():
    if user_logged_in.disconnect(dispatch_uid="update_last_login"):
        user_logged_in.connect(update_last_login_without_history, dispatch_uid="update_last_login")
