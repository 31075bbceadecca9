"""Where requests go and how they authenticate: Developer API or Vertex.

Arguments beat the environment. The key and token live in ``Secret`` so no repr, log or error
message can show them.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ._errors import APIConnectionError, ConfigurationError, MissingAPIKeyError
from ._wire import BETA_API_VERSION, DEFAULT_API_VERSION, DEFAULT_VERTEX_API_VERSION

DEVELOPER_HOST = "https://generativelanguage.googleapis.com"
VERTEX_GLOBAL_HOST = "https://aiplatform.googleapis.com"
_TRUE = frozenset({"1", "true", "yes", "on"})
_SCOPES = ("https://www.googleapis.com/auth/cloud-platform",)


class Secret:
    """A string that never shows itself in a repr or str."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def get(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('***')"

    __str__ = __repr__


def vertex_host(location: str) -> str:
    if location == "global":
        return VERTEX_GLOBAL_HOST
    if location in ("us", "eu"):
        return f"https://aiplatform.{location}.rep.googleapis.com"
    return f"https://{location}-aiplatform.googleapis.com"


def _env(environ: Mapping[str, str], name: str) -> str | None:
    value = environ.get(name, "").strip()
    return value or None


@dataclass
class Settings:
    """The resolved endpoint and credentials of a client."""

    base_url: str
    prefix: str
    vertex: bool = False
    api_key: Secret | None = None
    credentials: Any = field(default=None, repr=False)
    """google-auth credentials (Vertex with project/location); refreshed before each attempt."""
    secrets: list[str] = field(default_factory=list, repr=False)
    """Every credential string known to this client, for redaction."""

    def url(self, path: str) -> str:
        return f"{self.base_url}{self.prefix}{path}"

    def auth_headers(self) -> dict[str, str]:
        if self.api_key is not None:
            return {"x-goog-api-key": self.api_key.get()}
        if self.credentials is None:
            return {}
        creds = self.credentials
        if not getattr(creds, "valid", False) or getattr(creds, "expired", False):
            _refresh(creds)
        token = str(creds.token)
        if token not in self.secrets:
            self.secrets.append(token)
        headers = {"authorization": f"Bearer {token}"}
        quota = getattr(creds, "quota_project_id", None)
        if quota:
            headers["x-goog-user-project"] = str(quota)
        return headers


def _refresh(credentials: Any) -> None:
    """Refresh an OAuth token; every way this fails is a ``GeminiError`` saying what to do."""
    try:
        from google.auth.transport.requests import Request
    except ImportError as exc:
        raise ConfigurationError(
            "Refreshing Vertex AI credentials needs google-auth with requests: "
            "pip install 'google-auth[requests]'."
        ) from exc
    try:
        credentials.refresh(Request())
    except Exception as exc:
        from google.auth import exceptions

        if isinstance(exc, exceptions.TransportError):
            raise APIConnectionError(
                f"Could not reach Google to refresh the Vertex AI token: {exc}"
            ) from None
        if isinstance(exc, exceptions.GoogleAuthError):
            raise ConfigurationError(
                f"The Vertex AI credentials could not be refreshed ({type(exc).__name__}: {exc}). "
                "Run 'gcloud auth application-default login' or pass credentials=."
            ) from None
        raise


def _default_credentials() -> Any:
    try:
        import google.auth
        from google.auth import exceptions
    except ImportError as exc:  # pragma: no cover - depends on the optional extra
        raise ConfigurationError(
            "Vertex AI needs google-auth: pip install 'gemini-interactions[vertex]'."
        ) from exc
    try:
        credentials, _ = google.auth.default(scopes=list(_SCOPES))
    except exceptions.GoogleAuthError as exc:
        raise ConfigurationError(
            "Vertex AI found no Application Default Credentials. Run 'gcloud auth "
            "application-default login', set GOOGLE_APPLICATION_CREDENTIALS, pass credentials=, "
            "or use an API key (express mode)."
        ) from exc
    return credentials


def _version(from_env: str | None, default: str, beta: str) -> str:
    """``GOOGLE_GENAI_API_VERSION``: unset is the default, ``beta`` the beta path, any other
    value is used verbatim (as the official SDK reads it)."""
    if from_env is None:
        return default
    return beta if from_env == "beta" else from_env


def resolve(
    *,
    api_key: str | None,
    base_url: str | None,
    api_version: str | None,
    vertex: bool | None,
    project: str | None,
    location: str | None,
    credentials: Any,
    require_key: bool,
    environ: Mapping[str, str] | None = None,
    external_auth: bool = False,
) -> Settings:
    """``external_auth``: the caller sends its own ``Authorization`` or ``x-goog-api-key``
    header, so no key or Application Default Credentials are looked for."""
    env = os.environ if environ is None else environ
    if vertex is None:
        flag = _env(env, "GOOGLE_GENAI_USE_ENTERPRISE") or _env(env, "GOOGLE_GENAI_USE_VERTEXAI")
        vertex = (flag or "").lower() in _TRUE
    version_env = _env(env, "GOOGLE_GENAI_API_VERSION")

    if not vertex:
        if project or location:
            raise ConfigurationError("project and location are for Vertex AI: pass vertex=True.")
        key = api_key
        if key is None:
            google_key, gemini_key = _env(env, "GOOGLE_API_KEY"), _env(env, "GEMINI_API_KEY")
            if google_key and gemini_key and google_key != gemini_key:
                warnings.warn(
                    "Both GOOGLE_API_KEY and GEMINI_API_KEY are set; using GOOGLE_API_KEY.",
                    stacklevel=3,
                )
            key = google_key or gemini_key
        key = key.strip() if key else None
        base = base_url or _env(env, "GEMINI_BASE_URL") or _env(env, "GOOGLE_GEMINI_BASE_URL")
        if not key and require_key and not base and not external_auth:
            raise MissingAPIKeyError(
                "No API key: set GEMINI_API_KEY (or GOOGLE_API_KEY), or pass api_key=."
            )
        version = api_version or _version(version_env, DEFAULT_API_VERSION, BETA_API_VERSION)
        return Settings(
            base_url=(base or DEVELOPER_HOST).rstrip("/"),
            prefix=f"/{version}",
            api_key=Secret(key) if key else None,
            secrets=[key] if key else [],
        )

    version = api_version or _version(
        version_env, DEFAULT_VERTEX_API_VERSION, DEFAULT_VERTEX_API_VERSION
    )
    base = base_url or _env(env, "GOOGLE_VERTEX_BASE_URL")
    # An explicit key beats env project/location; env project/location beat an env key.
    project = project or (None if api_key else _env(env, "GOOGLE_CLOUD_PROJECT"))
    location = location or (None if api_key else _env(env, "GOOGLE_CLOUD_LOCATION"))
    if project and not location:
        location = "global"
    if project and location:
        creds = credentials
        if creds is None and not external_auth:
            creds = _default_credentials()
        host = base.rstrip("/") if base else vertex_host(location)
        return Settings(
            base_url=host,
            prefix=f"/{version}/projects/{project}/locations/{location}",
            vertex=True,
            credentials=creds,
        )
    key = api_key or _env(env, "GOOGLE_API_KEY") or _env(env, "GEMINI_API_KEY")
    if not key:
        if (credentials is not None or external_auth) and base:
            return Settings(
                base_url=base.rstrip("/"),
                prefix=f"/{version}",
                vertex=True,
                credentials=credentials,
            )
        raise MissingAPIKeyError(
            "Vertex AI needs a project (GOOGLE_CLOUD_PROJECT or project=) or, for express "
            "mode, an API key."
        )
    key = key.strip()
    # Express mode: Vertex with an API key and no project/location segment.
    return Settings(
        base_url=(base or VERTEX_GLOBAL_HOST).rstrip("/"),
        prefix=f"/{version}",
        vertex=True,
        api_key=Secret(key),
        secrets=[key],
    )
