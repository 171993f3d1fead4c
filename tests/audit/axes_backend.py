"""Test settings only: django-axes' backend, tolerant of ``authenticate()`` without a request."""

from axes.backends import AxesStandaloneBackend


class RequestOptionalAxesBackend(AxesStandaloneBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:  # Django's test client.login(): no address to count
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
