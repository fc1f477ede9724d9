"""The proxy and CA-bundle variables of the environment, read once when a transport is built.

Both transports read them here, the way ``requests`` and curl do: ``HTTPS_PROXY`` / ``HTTP_PROXY`` /
``ALL_PROXY`` (lower case too) unless ``NO_PROXY`` exempts the host, and ``REQUESTS_CA_BUNDLE`` or
``CURL_CA_BUNDLE`` when the connection names no CA bundle. Nothing else (no netrc: it would
replace the bearer token).
"""

from __future__ import annotations

import os
from urllib.parse import urlsplit
from urllib.request import getproxies_environment, proxy_bypass


def environment_proxy(url: str) -> str | None:
    """The proxy URL the environment names for ``url``, or ``None``."""
    parts = urlsplit(url)
    proxies = getproxies_environment()
    if parts.hostname is None or proxy_bypass(parts.hostname):
        return None
    return proxies.get(parts.scheme) or proxies.get("all")


def environment_verify(tls_verify: bool | str) -> bool | str:
    """The connection's TLS verification, or the environment's CA bundle where the connection names none."""
    if tls_verify is True:
        return os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or True
    return tls_verify
