"""Security headers on every response: pages, the API, errors, redirects, CSV and static files.

- The content security policy allows scripts and styles only from our own static files: no
  inline script, no inline style attribute or ``<style>`` block (``'unsafe-inline'`` is gone
  from both), no plugins, no ``<base>``, no framing, forms post only to us.
- ``Cache-Control: no-store`` on everything but static files: signed-in pages, the API, a
  newly made token's secret and CSV exports must never sit in a browser or proxy cache.
- HSTS (``HSTS_MAX_AGE``, a year by default, subdomains included) in production only, where
  the app is served over HTTPS.
"""

from __future__ import annotations

from flask import Flask, Response, current_app, request

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"


def _is_static() -> bool:
    return request.endpoint == "static"


def set_security_headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CSP)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    headers.setdefault("Cross-Origin-Resource-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
    if not _is_static():
        headers["Cache-Control"] = "no-store"
    max_age = current_app.config.get("HSTS_MAX_AGE", 0)
    if max_age:
        headers.setdefault("Strict-Transport-Security", f"max-age={max_age}; includeSubDomains")
    return response


def init_app(app: Flask) -> None:
    app.after_request(set_security_headers)
