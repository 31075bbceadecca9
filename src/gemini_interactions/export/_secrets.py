"""No credential in anything export writes: the keys in the environment (and every variable a
turn read a secret from: an MCP token, a sandbox credential) are scrubbed from the text of every
file, in every form the secret layer knows (plain, escaped, encoded)."""

from __future__ import annotations

import os

from ..api._secret import scrub, secret_envs

_NAMES = ("GEMINI_API_KEY", "GOOGLE_API_KEY")


def scrub_text(text: str) -> str:
    names = (*_NAMES, *sorted(secret_envs()))
    secrets = [v for n in names if len(v := os.environ.get(n, "").strip()) >= 8]
    return scrub(text, secrets) if secrets else text
