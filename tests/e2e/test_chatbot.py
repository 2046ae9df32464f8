"""Chatbot in a real browser: the server renders the initial conversation without JavaScript; a submitted
message and the streamed reply appear in order; clicking a message fires `select`."""

from __future__ import annotations

from typing import Any

import pytest
from browser_helpers import RunningApps, block, expect, field, open_app


@pytest.fixture
def static_page(browser: Any) -> Any:
    context = browser.new_context(java_script_enabled=False, viewport={"width": 1000, "height": 760})
    context.set_default_timeout(5_000)
    yield context.new_page()
    context.close()


def bubbles(page: Any, chat: Any) -> Any:
    return block(page, chat).locator(".pd-chat-message")


def texts(page: Any, chat: Any) -> Any:
    """The messages' text (without the copy buttons' labels)."""
    return block(page, chat).locator(".pd-chat-text")


def test_the_initial_conversation_is_in_the_html_without_javascript(static_page: Any, apps: RunningApps) -> None:
    app = apps.get("chat")
    static_page.goto(app.demo.local_url, wait_until="load")
    log = block(static_page, app.chat).get_by_role("log")
    expect(log).to_have_attribute("aria-live", "polite")
    expect(bubbles(static_page, app.chat)).to_have_count(2)
    expect(bubbles(static_page, app.chat).nth(0)).to_have_class("pd-chat-message pd-chat-user")
    expect(texts(static_page, app.chat).nth(0)).to_have_text("What is Podium?")
    expect(bubbles(static_page, app.chat).nth(1)).to_have_class("pd-chat-message pd-chat-assistant")
    expect(bubbles(static_page, app.chat).nth(1).locator("strong")).to_have_text("Gradio")
    expect(block(static_page, app.chat)).to_contain_text("Conversation")


def test_a_message_and_its_streamed_reply_show_in_order(page: Any, apps: RunningApps) -> None:
    app = apps.get("chat")
    app.reply_gate.clear()
    open_app(page, app)
    expect(bubbles(page, app.chat)).to_have_count(2)  # hydration kept the server's conversation
    box = field(page, app.message)
    box.fill("hello there")
    box.press("Enter")
    expect(box).to_have_value("")
    # the first chunk is on screen while the generator waits: the reply streams
    expect(bubbles(page, app.chat)).to_have_count(4)
    expect(texts(page, app.chat).nth(2)).to_have_text("hello there")
    expect(texts(page, app.chat).nth(3)).to_have_text("Thinking")
    app.reply_gate.set()
    expect(texts(page, app.chat).nth(3)).to_have_text("You said: hello there")
    roles = bubbles(page, app.chat).evaluate_all("rows => rows.map(r => r.className)")
    assert roles == [f"pd-chat-message pd-chat-{r}" for r in ("user", "assistant", "user", "assistant")]
    # the log follows the newest message
    log = block(page, app.chat).get_by_role("log")
    page.wait_for_function(
        "el => el.scrollHeight - el.scrollTop - el.clientHeight < 40", arg=log.element_handle()
    )


def test_clicking_a_message_fires_select(page: Any, apps: RunningApps) -> None:
    app = apps.get("chat")
    open_app(page, app)
    bubbles(page, app.chat).nth(1).locator(".pd-chat-bubble").click(position={"x": 10, "y": 10})
    expect(field(page, app.selected)).to_have_value("selected 1")


def test_dark_theme_restyles_the_bubbles(page: Any, apps: RunningApps) -> None:
    app = apps.get("chat")
    open_app(page, app)
    bubble = bubbles(page, app.chat).nth(1).locator(".pd-chat-bubble")
    light = bubble.evaluate("el => getComputedStyle(el).backgroundColor")
    page.evaluate("document.documentElement.dataset.theme = 'dark'")
    expect(bubble).not_to_have_css("background-color", light)
