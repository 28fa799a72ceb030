"""Clients that browse and write like people do, over real HTTP, recording every answer."""

from __future__ import annotations

import http.cookiejar
import json
import re
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


@dataclass
class Answer:
    method: str
    path: str
    status: int  # 0: the connection failed (reset, refused, timed out)
    started: float  # time.monotonic()
    elapsed: float
    body: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    error: str = ""


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class Browser:
    """One person's browser: a cookie jar, no redirects followed (a 302 is an answer)."""

    def __init__(self, base: str, timeout: float = 10.0) -> None:
        self.base = base.rstrip("/")
        self.timeout = timeout
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect()
        )
        self.answers: list[Answer] = []
        self.token = ""
        self.lock = threading.Lock()

    def request(
        self,
        method: str,
        path: str,
        data: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
        json_body: Any = None,
        record: bool = True,
    ) -> Answer:
        body = None
        headers = dict(headers or {})
        if data is not None:
            body = urllib.parse.urlencode(data).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if json_body is not None:
            body = json.dumps(json_body).encode()
            headers["Content-Type"] = "application/json"
        req = urllib.request.Request(self.base + path, data=body, method=method, headers=headers)
        started = time.monotonic()
        try:
            with self.opener.open(req, timeout=self.timeout) as response:
                answer = Answer(
                    method,
                    path,
                    response.status,
                    started,
                    time.monotonic() - started,
                    response.read().decode(errors="replace"),
                    dict(response.headers),
                )
        except urllib.error.HTTPError as exc:
            answer = Answer(
                method,
                path,
                exc.code,
                started,
                time.monotonic() - started,
                exc.read().decode(errors="replace"),
                dict(exc.headers),
            )
        except OSError as exc:  # reset, refused, timed out: a failed request
            answer = Answer(method, path, 0, started, time.monotonic() - started, error=repr(exc))
        if record:
            with self.lock:
                self.answers.append(answer)
        return answer

    def get(self, path: str, **kw: Any) -> Answer:
        return self.request("GET", path, **kw)

    def fresh_token(self, path: str = "/account/") -> str:
        found = CSRF_RE.search(self.get(path, record=False).body)
        if found:
            self.token = found.group(1)
        return self.token

    def post(self, path: str, data: dict[str, str], **kw: Any) -> Answer:
        return self.request("POST", path, data={"csrf_token": self.token, **data}, **kw)

    def sign_in(self, email: str, password: str) -> None:
        page = self.get("/auth/login", record=False)
        token = CSRF_RE.search(page.body)
        assert token, f"no sign-in form: {page.status} {page.error}"
        answer = self.request(
            "POST",
            "/auth/login",
            data={"email": email, "password": password, "csrf_token": token.group(1)},
            record=False,
        )
        assert answer.status == 302, f"sign-in failed: {answer.status} {answer.body[:300]}"
        self.fresh_token()


class Load:
    """Run ``step(browser, n)`` for each browser on its own thread until stopped (and at most
    ``seconds``), pausing ``pause`` seconds between steps."""

    def __init__(
        self,
        browsers: list[Browser],
        step: Callable[[Browser, int], None],
        *,
        pause: float = 0.05,
        seconds: float = 300,
    ) -> None:
        self.browsers, self.step, self.pause, self.seconds = browsers, step, pause, seconds
        self.stopping = threading.Event()
        self.errors: list[str] = []
        self.threads = [
            threading.Thread(target=self._run, args=(b,), daemon=True) for b in browsers
        ]

    def _run(self, browser: Browser) -> None:
        deadline = time.monotonic() + self.seconds
        n = 0
        while not self.stopping.is_set() and time.monotonic() < deadline:
            try:
                self.step(browser, n)
            except Exception as exc:  # noqa: BLE001 - reported by the test
                self.errors.append(f"{type(exc).__name__}: {exc}")
            n += 1
            self.stopping.wait(self.pause)

    def __enter__(self) -> Load:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stopping.set()
        for thread in self.threads:
            thread.join(timeout=30)

    def answers(self) -> list[Answer]:
        return sorted((a for b in self.browsers for a in b.answers), key=lambda a: a.started)


def invite(admin: Browser, email: str) -> Answer:
    """An admin invites a colleague through the form (the invitation mail is a job)."""
    return admin.post(
        "/admin/users/invite",
        {
            "email": email,
            "name": "New Colleague",
            "role": "staff",
            "level": "frontline",
            "department_id": "0",
        },
    )
