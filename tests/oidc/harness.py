"""Run the test OpenID provider (tests/oidc/provider.mjs, panva's certified oidc-provider) and a
small man-in-the-middle proxy in front of it, for the single sign-on tests.

The proxy is the provider's public address (its issuer), so every request, the browser's and
the app's own back-channel calls, passes through it. It forwards everything unchanged unless a
test asks it to tamper, as an attacker between the parties could:

- ``state``: change the ``state`` in the provider's redirect back to the app's callback;
- ``nonce``: change the ``nonce`` the app sent in its authorization request;
- ``audience``: make the authorization request and the token request name another registered
  client, so the provider issues a real, signed ID token for that other audience;
- ``signature``: change one byte of the ID token's signature in the token response;
- ``iss``: name another issuer in the redirect back to the callback (a mix-up attack).
"""

from __future__ import annotations

import base64
import http.client
import json
import os
import shutil
import socket
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import requests

HERE = Path(__file__).resolve().parent
NODE = shutil.which("node")
MODULES = HERE / "node_modules" / "oidc-provider"

CLIENT_ID = "mission-teams"
CLIENT_SECRET = "mission-teams-test-client-secret-0123456789"
OTHER_CLIENT_ID = "other-app"
OTHER_CLIENT_SECRET = "other-app-test-client-secret-0123456789"
CLIENTS = [
    {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET},
    {"client_id": OTHER_CLIENT_ID, "client_secret": OTHER_CLIENT_SECRET},
]
PASSWORD = "idp password"
# Hop-by-hop headers are the proxy's own business (RFC 9110 7.6.1): never forwarded. A passed-on
# "Keep-Alive" would make HTTP/1.0 clients reuse a connection this proxy closes.
HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def why_unavailable() -> str | None:
    """Why the provider cannot run here (None when it can)."""
    if NODE is None:
        return "Node.js is not installed (the test OpenID provider needs it)"
    if not MODULES.exists():
        return "tests/oidc/node_modules is missing: `make test` runs npm ci there"
    return None


def account(login: str, **claims: Any) -> dict[str, Any]:
    """A person at the provider: ``login`` signs in with PASSWORD; claims override defaults."""
    base = {
        "sub": f"sub-{login}",
        "password": PASSWORD,
        "email": f"{login}@library.example",
        "email_verified": True,
        "name": login.replace(".", " ").title(),
        "groups": [],
        "disabled": False,
    }
    return {**base, **claims}


class OidcProvider:
    """One provider process. ``issuer`` is where it is reached (the proxy's address when one
    fronts it); ``clock_offset`` shifts its clock in seconds."""

    def __init__(self, workdir: Path, issuer: str, port: int, clock_offset: int = 0) -> None:
        self.workdir = workdir
        self.issuer = issuer
        self.port = port
        self.clock_offset = clock_offset
        self.accounts_file = workdir / "accounts.json"
        self.log_file = workdir / "provider.log"
        self.process: subprocess.Popen[bytes] | None = None
        self.set_accounts({})

    def set_accounts(self, accounts: dict[str, dict[str, Any]]) -> None:
        """Replace the provider's people (read again at each look-up, so this acts at once)."""
        tmp = self.accounts_file.with_suffix(".tmp")
        tmp.write_text(json.dumps(accounts))
        os.replace(tmp, self.accounts_file)

    def update_account(self, login: str, **changes: Any) -> None:
        accounts = json.loads(self.accounts_file.read_text())
        accounts[login] = {**accounts[login], **changes}
        self.set_accounts(accounts)

    def start(self) -> None:
        config = self.workdir / "provider.json"
        config.write_text(
            json.dumps(
                {
                    "issuer": self.issuer,
                    "port": self.port,
                    "accounts_file": str(self.accounts_file),
                    "clients": CLIENTS,
                    "clock_offset_seconds": self.clock_offset,
                }
            )
        )
        assert NODE is not None
        with self.log_file.open("wb") as log:
            self.process = subprocess.Popen(
                [NODE, str(HERE / "provider.mjs"), str(config)],
                cwd=HERE,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 20
        url = f"http://127.0.0.1:{self.port}/.well-known/openid-configuration"
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the test provider exited: {self.log_file.read_text()}")
            try:
                if requests.get(url, timeout=1).ok:
                    return
            except requests.RequestException:
                time.sleep(0.05)
        raise RuntimeError(f"the test provider did not start: {self.log_file.read_text()}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)


def _basic(client_id: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()


def _replace_query(url: str, **values: str) -> str:
    parts = urlsplit(url)
    query = [(k, values.get(k, v)) for k, v in parse_qsl(parts.query, keep_blank_values=True)]
    return urlunsplit(parts._replace(query=urlencode(query)))


class TamperProxy:
    """Forwards to the provider at ``upstream_port``; ``mode`` says what to alter (None: none)."""

    def __init__(self, port: int, upstream_port: int) -> None:
        self.port = port
        self.upstream_port = upstream_port
        self.mode: str | None = None
        self.tampered = 0  # how many requests or responses were altered, for the tests to assert
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                proxy.forward(self)

            def do_POST(self) -> None:  # noqa: N802
                proxy.forward(self)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _alter_request(self, path: str, headers: dict[str, str], body: bytes) -> tuple[str, bytes]:
        if self.mode == "nonce" and path.startswith("/auth?"):
            self.tampered += 1
            path = _replace_query(path, nonce="a-nonce-from-another-sign-in")
        if (
            self.mode == "audience"
            and path.startswith("/auth?")
            and f"client_id={CLIENT_ID}" in path
        ):
            self.tampered += 1
            path = _replace_query(path, client_id=OTHER_CLIENT_ID)
        if self.mode == "audience" and path == "/token":
            self.tampered += 1
            headers["Authorization"] = _basic(OTHER_CLIENT_ID, OTHER_CLIENT_SECRET)
        return path, body

    def _alter_response(self, path: str, status: int, content: bytes) -> bytes:
        if self.mode == "signature" and path == "/token" and status == 200:
            self.tampered += 1
            token = json.loads(content)
            head, payload, signature = token["id_token"].split(".")
            flipped = ("A" if signature[10] != "A" else "B") + signature[11:]
            token["id_token"] = f"{head}.{payload}.{signature[:10]}{flipped}"
            return json.dumps(token).encode()
        return content

    def _alter_location(self, location: str) -> str:
        if self.mode == "state" and "/callback?" in location and "state=" in location:
            self.tampered += 1
            state = dict(parse_qsl(urlsplit(location).query))["state"]
            return _replace_query(location, state=state[::-1] + "x")
        if self.mode == "iss" and "/callback?" in location and "iss=" in location:
            self.tampered += 1
            return _replace_query(location, iss="https://attacker.example")
        return location

    def forward(self, handler: BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        headers = {k: v for k, v in handler.headers.items() if k.lower() not in HOP_BY_HOP}
        path, body = self._alter_request(handler.path, headers, body)
        if body:
            headers["Content-Length"] = str(len(body))
        upstream = http.client.HTTPConnection("127.0.0.1", self.upstream_port, timeout=15)
        try:
            upstream.request(handler.command, path, body=body or None, headers=headers)
            response = upstream.getresponse()
            content = self._alter_response(path, response.status, response.read())
            handler.send_response(response.status, response.reason)
            for name, value in response.getheaders():
                if name.lower() in HOP_BY_HOP or name.lower() == "content-length":
                    continue
                if name.lower() == "location":
                    value = self._alter_location(value)
                handler.send_header(name, value)
            handler.send_header("Content-Length", str(len(content)))
            handler.send_header("Connection", "close")
            handler.end_headers()
            handler.wfile.write(content)
        finally:
            upstream.close()


class IdpBrowser:
    """Plays a person's browser at the provider with plain HTTP (for tests without Chromium):
    follows the authorization URL through the login and consent pages to the app's callback."""

    def __init__(self) -> None:
        self.http = requests.Session()

    def sign_in(
        self, authorize_url: str, login: str, password: str = PASSWORD, consent: bool = True
    ) -> str:
        """Returns the callback URL the provider redirects to (with code or error)."""
        url = authorize_url
        for _ in range(20):
            response = self.http.get(url, allow_redirects=False, timeout=10)
            if response.is_redirect:
                url = requests.compat.urljoin(url, response.headers["Location"])
                if "/auth/sso/" in urlsplit(url).path:
                    return url
                continue
            page = response.text
            base = f"{urlsplit(url).scheme}://{urlsplit(url).netloc}"
            uid = urlsplit(url).path.rsplit("/", 1)[-1]
            if 'name="login"' in page:
                response = self.http.post(
                    f"{base}/interaction/{uid}/login",
                    data={"login": login, "password": password},
                    allow_redirects=False,
                    timeout=10,
                )
            else:
                action = "confirm" if consent else "abort"
                response = self.http.post(
                    f"{base}/interaction/{uid}/{action}", allow_redirects=False, timeout=10
                )
            assert response.is_redirect, response.text[:500]
            url = requests.compat.urljoin(url, response.headers["Location"])
            if "/auth/sso/" in urlsplit(url).path:
                return url
        raise AssertionError("the provider never sent the browser back to the app")
