"""The printable poster: one A4 page per service desk, with a QR code (segno, inline SVG: no
image request, nothing for the CSP to allow) of that desk's public link."""

from __future__ import annotations

import io
from dataclasses import dataclass

import segno
from markupsafe import Markup

from teams_app.models import Survey
from teams_app.urls import external_url


@dataclass
class Poster:
    department_id: int | None
    desk: str
    url: str
    qr_svg: Markup


def public_url(survey: Survey, branch_id: int | None = None, *, kiosk: bool = False) -> str:
    endpoint = "public_surveys.kiosk" if kiosk else "public_surveys.answer"
    return external_url(endpoint, token=survey.public_token, branch=branch_id)


def qr_svg(url: str) -> Markup:
    """The QR code of ``url`` as an inline <svg> (no XML declaration, scalable by CSS). The
    markup is segno's own, from a URL the app built: no user text reaches it unescaped."""
    out = io.BytesIO()
    segno.make(url, error="m").save(
        out,
        kind="svg",
        xmldecl=False,
        svgns=True,
        scale=1,
        border=2,
        svgclass="qr-code",
        lineclass=None,
        omitsize=True,
    )
    return Markup(out.getvalue().decode("utf-8"))  # noqa: S704 - generated, not user text


def posters(survey: Survey, desks: list[tuple[int, str]]) -> list[Poster]:
    """One poster per desk, or one general poster when there are no departments."""
    if not desks:
        url = public_url(survey)
        return [Poster(None, "", url, qr_svg(url))]
    out = []
    for department_id, name in desks:
        url = public_url(survey, department_id)
        out.append(Poster(department_id, name, url, qr_svg(url)))
    return out
