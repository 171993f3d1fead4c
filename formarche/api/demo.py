"""The API's part of the demo world (called by accounts/demo.py, found by name)."""

from formarche.api.demo_api import populate_api


def populate(world) -> None:
    populate_api(world)
