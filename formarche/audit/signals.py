"""Logging in is not a change of the user: the last-login stamp is written without a history row.

Django's ``update_last_login`` saves the user on every login; with ``User.history`` that would add a
row to the Journal each time. The stamp is still written, by a queryset ``update()`` (which sends no
``post_save``, so simple-history records nothing) rather than by marking the instance: the same
user object may log in from two threads at once (two requests of one session), and a flag set and
removed on a shared instance would race.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in
from django.utils import timezone


def update_last_login_without_history(sender, user, **kwargs):
    now = timezone.now()
    user.last_login = now
    get_user_model()._default_manager.filter(pk=user.pk).update(last_login=now)


def connect():
    if user_logged_in.disconnect(dispatch_uid="update_last_login"):
        user_logged_in.connect(update_last_login_without_history, dispatch_uid="update_last_login")
