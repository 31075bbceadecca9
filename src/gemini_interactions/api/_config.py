"""Where requests go and how they authenticate: Developer API or Vertex.

Arguments beat the environment. The key and token live in ``Secret`` so no repr, log or error
message can show them.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from ._errors import APIConnectionError, ConfigurationError, MissingAPIKeyError
from ._secret import Secret, check_key, register
from ._wire import BETA_API_VERSION, DEFAULT_API_VERSION, DEFAULT_VERTEX_API_VERSION

DEVELOPER_HOST = "https://generativelanguage.googleapis.com"
VERTEX_GLOBAL_HOST = "https://aiplatform.googleapis.com"
_TRUE = frozenset({"1", "true", "yes", "on"})
_SCOPES = ("https://www.googleapis.com/auth/cloud-platform",)


def vertex_host(location: str) -> str:
    if location == "global":
        return VERTEX_GLOBAL_HOST
    if location in ("us", "eu"):
        return f"https://aiplatform.{location}.rep.googleapis.com"
    return f"https://{location}-aiplatform.googleapis.com"


class _Masked(Mapping[str, str]):
    """The environment, read as usual but shown as ``<environment>``: a frame dump of the
    config path (``%xmode Verbose``) would otherwise print every variable, the key included."""

    __slots__ = ("_env",)

    def __init__(self, env: Mapping[str, str]) -> None:
        self._env = env

    def __getitem__(self, name: str) -> str:
        return self._env[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._env)

    def __len__(self) -> int:
        return len(self._env)

    def __repr__(self) -> str:
        return "<environment>"


def _env(environ: Mapping[str, str], name: str) -> str | None:
    value = environ.get(name, "").strip()
    return value or None


def _env_key(environ: Mapping[str, str], name: str) -> Secret | None:
    """A key from the environment, held in a ``Secret`` from the first moment."""
    if not environ.get(name, "").strip():
        return None
    return check_key(Secret(environ[name]), name)


def _key(api_key: str | Secret | None, environ: Mapping[str, str]) -> Secret | None:
    """The key to use, checked once: the argument, else GOOGLE_API_KEY, else GEMINI_API_KEY."""
    if api_key is not None and (api_key.get() if isinstance(api_key, Secret) else api_key):
        return check_key(api_key, "api_key=")
    google, gemini = _env_key(environ, "GOOGLE_API_KEY"), _env_key(environ, "GEMINI_API_KEY")
    if google and gemini and google != gemini:
        warnings.warn(
            "Both GOOGLE_API_KEY and GEMINI_API_KEY are set; using GOOGLE_API_KEY.",
            stacklevel=4,
        )
    return google or gemini


def _settings(key: Secret | None, **fields: Any) -> Settings:
    if key is not None:
        register(key)
    return Settings(api_key=key, secrets=[key] if key else [], **fields)


@dataclass
class Settings:
    """The resolved endpoint and credentials of a client."""

    base_url: str
    prefix: str
    vertex: bool = False
    api_key: Secret | None = None
    credentials: Any = field(default=None, repr=False)
    """google-auth credentials (Vertex with project/location); refreshed before each attempt."""
    secrets: list[Secret] = field(default_factory=list, repr=False)
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
        token = Secret(str(creds.token))
        if token not in self.secrets:
            self.secrets.append(token)
            register(token)
        headers = {"authorization": f"Bearer {token.get()}"}
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
    api_key: str | Secret | None,
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
    env = _Masked(os.environ if environ is None else environ)
    if vertex is None:
        flag = _env(env, "GOOGLE_GENAI_USE_ENTERPRISE") or _env(env, "GOOGLE_GENAI_USE_VERTEXAI")
        vertex = (flag or "").lower() in _TRUE
    version_env = _env(env, "GOOGLE_GENAI_API_VERSION")

    if not vertex:
        if project or location:
            raise ConfigurationError("project and location are for Vertex AI: pass vertex=True.")
        key = _key(api_key, env) if api_key is None or api_key else None
        base = base_url or _env(env, "GEMINI_BASE_URL") or _env(env, "GOOGLE_GEMINI_BASE_URL")
        if not key and require_key and not base and not external_auth:
            raise MissingAPIKeyError(
                "No API key: set GEMINI_API_KEY (or GOOGLE_API_KEY), or pass api_key=."
            )
        version = api_version or _version(version_env, DEFAULT_API_VERSION, BETA_API_VERSION)
        return _settings(key, base_url=(base or DEVELOPER_HOST).rstrip("/"), prefix=f"/{version}")

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
    key = _key(api_key, env)
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
    # Express mode: Vertex with an API key and no project/location segment.
    return _settings(
        key, base_url=(base or VERTEX_GLOBAL_HOST).rstrip("/"), prefix=f"/{version}", vertex=True
    )
