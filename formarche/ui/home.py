"""Blocks of the home page. Apps register a function returning a dict (title, template, context)."""

_PROVIDERS = []


def register(provider):
    _PROVIDERS.append(provider)
    return provider


def blocks_for(request):
    blocks = []
    for provider in _PROVIDERS:
        block = provider(request)
        if block:
            blocks.append(block)
    return blocks
