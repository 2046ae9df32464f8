"""The plain pages: the app without the browser UI (when it is not built) and the login form.

The plain app page shows the title, every component with its label and current value, and the API
endpoints, says how to build the real UI, and inlines the config as `window.gradio_config = {...}`
(clients that cannot read `/config` scrape it). Every user-provided string is escaped.
"""

from __future__ import annotations

import html
from typing import Any

from podium.server.context import ServerContext
from podium.server.sse import dumps

_STYLE = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;background:#f7f7f8;color:#1f2328}
main{max-width:880px;margin:0 auto;padding:32px 20px}
h1{font-size:1.6rem;margin:0 0 24px}
h2{font-size:1.1rem;margin:28px 0 12px}
.card{background:#fff;border:1px solid #e2e4e8;border-radius:8px;padding:12px 16px;margin:0 0 10px}
.label{font-weight:600;margin-bottom:4px}
.type{color:#6e7781;font-size:.85rem;margin-left:6px;font-weight:400}
pre{background:#f1f3f5;border-radius:6px;padding:8px 10px;margin:6px 0 0;white-space:pre-wrap;word-break:break-word}
code{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:.9rem}
ul{margin:6px 0 0;padding-left:20px}
form{display:flex;flex-direction:column;gap:10px;max-width:320px}
input{padding:8px;border:1px solid #ccd0d5;border-radius:6px}
button{padding:8px;border:0;border-radius:6px;background:#1f6feb;color:#fff;cursor:pointer}
.error{color:#cf222e;min-height:1.2em}
.notice{background:#fff8c5;border:1px solid #d4a72c;border-radius:8px;padding:8px 12px;margin:0 0 16px}
"""
NOT_BUILT = "The browser UI is not built: run <code>make setup</code>."


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _value_preview(value: Any) -> str:
    if value is None or value == "":
        return '<span class="type">(empty)</span>'
    if isinstance(value, str):
        text = value
    else:
        text = dumps(value).decode("utf-8")
    if len(text) > 2000:
        text = text[:2000] + " ..."
    return f"<pre><code>{_e(text)}</code></pre>"


def _document(title: str, body: str, head: str = "") -> str:
    return (
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        f"<title>{_e(title)}</title>\n<style>{_STYLE}</style>\n{head}</head>\n<body>\n<main>\n{body}</main>\n"
        "</body>\n</html>\n"
    )


def render_plain_page(ctx: ServerContext, config: dict[str, Any], config_json: str) -> str:
    """The app without the browser UI; `config_json` is the config as JSON safe inside a `<script>`."""
    title = config.get("title") or "Podium"
    parts = [f"<h1>{_e(title)}</h1>\n<p class=\"notice\">{NOT_BUILT}</p>\n<h2>Components</h2>\n"]
    from podium.components.base import Component

    for component in config.get("components", []):
        if not isinstance(ctx.blocks.blocks.get(component.get("id", -1)), Component):
            continue  # the app itself and layout containers
        props = component.get("props", {})
        if props.get("visible") is False or component.get("type") == "state":
            continue
        label = props.get("label") or props.get("value") if component.get("type") == "button" else props.get("label")
        heading = _e(label) if label else _e(component.get("type", ""))
        parts.append(
            f'<div class="card" id="component-{_e(component.get("id"))}"><div class="label">{heading}'
            f'<span class="type">{_e(component.get("type", ""))}</span></div>'
        )
        if "value" in props and component.get("type") not in ("button",):
            parts.append(_value_preview(props.get("value")))
        parts.append("</div>\n")
    endpoints = ctx.api_info()["named_endpoints"] if ctx.settings.show_api else {}
    if endpoints:
        parts.append("<h2>API</h2>\n")
        for name, endpoint in endpoints.items():
            params = "".join(
                f"<li><code>{_e(p['parameter_name'])}</code>: {_e(p['python_type']['type'])}"
                f" <span class=\"type\">({_e(p['component'])} &ldquo;{_e(p['label'])}&rdquo;)</span></li>"
                for p in endpoint["parameters"]
            )
            returns = "".join(
                f"<li>{_e(r['python_type']['type'])} <span class=\"type\">({_e(r['component'])}"
                f" &ldquo;{_e(r['label'])}&rdquo;)</span></li>"
                for r in endpoint["returns"]
            )
            parts.append(
                f'<div class="card"><div class="label"><code>{_e(name)}</code></div>'
                f"<div>Parameters:</div><ul>{params or '<li>none</li>'}</ul>"
                f"<div>Returns:</div><ul>{returns or '<li>none</li>'}</ul></div>\n"
            )
    parts.append(f"<script>window.gradio_config = {config_json};</script>\n")
    return _document(str(title), "".join(parts))


def render_login_page(ctx: ServerContext) -> str:
    """A login form that posts to `/login` and reloads the page on success."""
    message = ctx.auth.auth_message
    body = (
        f"<h1>{_e(ctx.blocks.title or 'Podium')}</h1>\n"
        + (f"<p>{_e(message)}</p>\n" if message else "")
        + '<form id="login"><input name="username" placeholder="Username" autocomplete="username" required>'
        '<input name="password" type="password" placeholder="Password" autocomplete="current-password" required>'
        '<button type="submit">Log in</button><div class="error" id="error"></div></form>\n'
        "<script>document.getElementById('login').addEventListener('submit',async e=>{e.preventDefault();"
        "const r=await fetch('login',{method:'POST',body:new URLSearchParams(new FormData(e.target)),"
        "credentials:'same-origin'});if(r.ok){location.reload()}else{"
        "document.getElementById('error').textContent='Incorrect credentials.'}});</script>\n"
    )
    return _document(str(ctx.blocks.title or "Podium"), body)


__all__ = ["render_login_page", "render_plain_page"]
