"""The router's own small HTML pages: no such Space (404), sign in (401), a refused sign-in or Space share link,
a Space's status (503), and the share service not answering (503)."""

from __future__ import annotations

from html import escape

from starlette.types import Send

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>body{{font-family:system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;color:#222}}
h1{{font-size:1.4rem}}code{{background:#f3f3f3;padding:0 .2em}}a{{color:#0b5fff}}</style></head>
<body><h1>{title}</h1>{body}</body></html>
"""


def render(title: str, body_html: str) -> bytes:
    """A complete page; `title` is escaped here, `body_html` must already be safe HTML."""
    return _PAGE.format(title=escape(title), body=body_html).encode()


def not_found(host: str) -> bytes:
    """No Space answers at `host` (or the visitor may not know it exists: same page on purpose)."""
    return render(
        "Space not found",
        f"<p>There is no Space at <code>{escape(host)}</code>, or you do not have access to it.</p>"
        "<p>Spaces live at <code>NAME--OWNER.spaces.DOMAIN</code>; check the name and the owner.</p>",
    )


def sign_in(full_name: str, sign_in_url: str) -> bytes:
    """The Space is private or org-only and the visitor is not signed in."""
    return render(
        "Sign in to open this Space",
        f"<p>The Space <code>{escape(full_name)}</code> is not public.</p>"
        f'<p><a href="{escape(sign_in_url, quote=True)}">Sign in</a> with an account that may see it, then reload '
        "this page. Programs can send <code>Authorization: Bearer pdm_...</code> with an API token instead.</p>",
    )


def redirect(url: str) -> bytes:
    """The body of a redirect, for clients that do not follow Location."""
    return render("Redirecting", f'<p>Continue to <a href="{escape(url, quote=True)}">{escape(url)}</a>.</p>')


_BAD_SIGN_IN = {
    "forged": "This sign-in is not valid (it was not issued by Podium for this Space).",
    "wrong_space": "This sign-in link was issued for another Space.",
    "expired": "This sign-in link has expired (they are valid for one minute).",
    "replayed": "This sign-in link was already used (each one works once).",
    "unconfigured": "Browser sign-in is not set up on this installation (it needs PODIUM_SECRET_KEYS); "
                    "ask its operator, or use an API token.",
}


def bad_sign_in(full_name: str, reason: str, again_url: str) -> bytes:
    """A refused sign-in ticket or cookie: why, and a link to sign in again."""
    again = f'<p><a href="{escape(again_url, quote=True)}">Sign in again</a>.</p>' if again_url else ""
    return render(
        "Sign-in refused",
        f"<p>{escape(_BAD_SIGN_IN.get(reason, 'This sign-in is not valid.'))}</p>"
        f"<p>Space: <code>{escape(full_name)}</code>.</p>{again}",
    )


_BAD_SHARE_LINK = {
    "unknown": "This share link is not valid for this Space; check that you copied all of it.",
    "expired": "This share link has expired; ask whoever shared it for a new one.",
    "revoked": "This share link was revoked; ask whoever shared it for a new one.",
    "unconfigured": "Share links are not set up on this installation (they need PODIUM_SECRET_KEYS); "
                    "ask its operator.",
}


def bad_share_link(full_name: str, reason: str, sign_in_url: str = "") -> bytes:
    """A refused Space share link (reason: unknown | expired | revoked | unconfigured), and where to sign in."""
    sign_in = (f'<p>If you have an account that may see it, <a href="{escape(sign_in_url, quote=True)}">sign '
               "in</a>.</p>") if sign_in_url else ""
    return render(
        "Share link refused",
        f"<p>{escape(_BAD_SHARE_LINK.get(reason, 'This share link is not valid.'))}</p>"
        f"<p>Space: <code>{escape(full_name)}</code>.</p>{sign_in}",
    )


def status(full_name: str, stage: str, message: str) -> bytes:
    """The Space cannot serve now: its stage and message, and what to do."""
    hints = {
        "BUILD_ERROR": "The last build failed; push a fix (the build log says why).",
        "RUNTIME_ERROR": "The app stopped with an error; see the Space's logs, then push a fix or restart it.",
        "NO_APP_FILE": "The Space has no app file yet; push one (app.py, or the file named in README.md).",
        "CONFIG_ERROR": "The README.md front matter is invalid; fix it and push again.",
        "PAUSED": "An admin of the Space paused it; resuming it starts it again.",
    }
    hint = hints.get(stage, "The Space is starting; reload this page in a few seconds.")
    detail = f"<p>{escape(message)}</p>" if message else ""
    return render(
        f"{full_name}: {stage.replace('_', ' ').lower()}",
        f"<p>The Space <code>{escape(full_name)}</code> is in stage <code>{escape(stage)}</code>.</p>"
        f"{detail}<p>{escape(hint)}</p>",
    )


async def send_page(send: Send, status_code: int, page: bytes, extra: list[tuple[bytes, bytes]] | None = None) -> None:
    """Answer an HTTP request with one of these pages (never cached: the Space's state changes)."""
    headers = [
        (b"content-type", b"text/html; charset=utf-8"),
        (b"content-length", str(len(page)).encode()),
        (b"cache-control", b"no-store"),
        *(extra or []),
    ]
    await send({"type": "http.response.start", "status": status_code, "headers": headers})
    await send({"type": "http.response.body", "body": page})


# The replica did not take the request (it may be restarting); sent with `Retry-After: 2`.
REPLICA_UNREACHABLE = render(
    "The Space did not answer",
    "<p>Its app is not reachable right now (it may be restarting). Reload this page in a few seconds.</p>",
)


# The share server's vhost did not take the request: share links cannot be served now (`Retry-After: 5`).
SHARE_UNREACHABLE = render(
    "The share service is not running",
    "<p>Share links (<code>SUB.share.DOMAIN</code>) are served by Podium's share server, which is not answering "
    "right now. If you run this installation, start it (<code>python -m podium_services.share</code>; "
    "<code>make up</code> starts it) and check <code>PODIUM_SHARE_VHOST</code>.</p>",
)
