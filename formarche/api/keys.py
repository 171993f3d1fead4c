"""The secret of an API token: generated, recognised, hashed. Pure Python (no Django).

A key reads ``fmk_`` + 43 URL-safe characters (32 random bytes). Only its SHA-256 is stored: a
random 256-bit secret needs no slow hash (nothing to guess from a dictionary), and a hash lookup
finds the token in one indexed query. The first 12 characters (``fmk_`` + 8) are kept in clear so
that people recognise their tokens on the page and in the Journal.
"""

from __future__ import annotations

import hashlib
import secrets

KEY_PREFIX = "fmk_"
PREFIX_LENGTH = 12


def generate() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def key_prefix(key: str) -> str:
    return key[:PREFIX_LENGTH]


def is_current_format(key: str) -> bool:
    """A key of this model; the 40-hexadecimal keys of the old DRF tokens are not."""
    return key.startswith(KEY_PREFIX) and len(key) > PREFIX_LENGTH
