"""No credential in anything export writes: the keys in the environment are scrubbed from the
text of every file, in every form the secret layer knows (plain, escaped, encoded)."""

from __future__ import annotations

import os

from ..api._secret import scrub

_NAMES = ("GEMINI_API_KEY", "GOOGLE_API_KEY")


def scrub_text(text: str) -> str:
    secrets = [v for n in _NAMES if len(v := os.environ.get(n, "").strip()) >= 8]
    return scrub(text, secrets) if secrets else text
