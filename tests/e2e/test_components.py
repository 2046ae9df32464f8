"""Each component in a real browser: inputs the user changes reach the handler with the right values, outputs
show what the handler returned, files go up and come back down."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from browser_helpers import RunningApps, block, choose, expect, expect_selection, field, open_app


def test_textbox_submit_then_clear_button(page: Any, apps: RunningApps) -> None:
    forms = apps.get("forms")
    open_app(page, forms)
    name = field(page, forms.name)
    expect(page.get_by_label("Name", exact=True)).to_have_attribute("id", f"input-{forms.name.id}")  # labelled
    name.fill("Grace")
    name.press("Enter")
    expect(field(page, forms.greeting)).to_have_value("Hello Grace")
    block(page, forms.clear).click()
    expect(name).to_have_value("")
    expect(field(page, forms.greeting)).to_have_value("")


def test_every_input_reaches_the_handler(page: Any, apps: RunningApps) -> None:
    forms = apps.get("forms")
    open_app(page, forms)
    field(page, forms.name).fill("Linus")
    field(page, forms.number).fill("7")
    field(page, forms.slider).fill("35")
    field(page, forms.checked).uncheck()
    picks = block(page, forms.picks)
    picks.get_by_role("checkbox", name="green").check()
    picks.get_by_role("checkbox", name="red").uncheck()
    picks.get_by_role("checkbox", name="blue").check()
    block(page, forms.radio).get_by_role("radio", name="large").check()
    choose(page, forms.single, ["z"])
    choose(page, forms.multi, ["z"])  # x was already chosen
    field(page, forms.color).fill("#00ff00")
    expect_selection(page, forms.single, ["z"])
    expect_selection(page, forms.multi, ["x", "z"])

    block(page, forms.go).click()
    values = block(page, forms.values)
    expect(values).to_contain_text("Linus")
    expect(values).to_contain_text("large")
    assert forms.LAST_SUMMARY == {
        "text": "Linus",
        "number": 7,
        "slider": 35,
        "checked": False,
        "picks": ["green", "blue"],
        "radio": "large",
        "single": "z",
        "multi": ["x", "z"],
        "color": "#00ff00",
    }


def test_display_components_show_values_and_updates(page: Any, apps: RunningApps) -> None:
    display = apps.get("display")
    open_app(page, display)
    markdown = block(page, display.markdown)
    expect(markdown.get_by_role("heading", name="Display title")).to_be_visible()
    expect(markdown.locator("strong")).to_have_text("bold")
    expect(block(page, display.html).locator("p.e2e-html b")).to_have_text("HTML")
    expect(block(page, display.data)).to_contain_text("apple")
    expect(block(page, display.label)).to_contain_text("cat")
    expect(block(page, display.code)).to_contain_text("print('hello from code')")
    expect(block(page, display.color).locator("input").first).to_have_value(re.compile("#3366ff", re.I))

    block(page, display.button).click()
    expect(markdown.get_by_role("heading", name="Changed heading")).to_be_visible()
    expect(markdown).not_to_contain_text("Display title")
    expect(block(page, display.html).locator("p.e2e-html i")).to_have_text("html")
    expect(block(page, display.data)).to_contain_text("pear")
    expect(block(page, display.data)).to_contain_text("42")
    expect(block(page, display.label)).to_contain_text("bird")
    expect(block(page, display.label)).not_to_contain_text("cat")
    expect(block(page, display.code)).to_contain_text("x = 'changed code'")
    expect(block(page, display.color).locator("input").first).to_have_value(re.compile("#00ff00", re.I))


def test_file_upload_and_download(page: Any, apps: RunningApps) -> None:
    files = apps.get("files")
    open_app(page, files)
    upload = block(page, files.file_in).locator("input[type=file]")
    upload.set_input_files({"name": "hello.txt", "mimeType": "text/plain", "buffer": b"hi there"})
    expect(field(page, files.summary)).to_have_value("hello.txt:8:hi there")
    expect(block(page, files.file_in)).to_contain_text("hello.txt")

    block(page, files.make).click()
    link = block(page, files.file_out).get_by_role("link", name=re.compile("made.txt"))
    expect(link).to_be_visible()
    href = link.get_attribute("href")
    assert href, "the output file has no download link"
    response = page.request.get(href if "://" in href else files.demo.local_url.rstrip("/") + "/" + href.lstrip("/"))
    assert response.ok, f"GET {href}: {response.status}"
    assert response.text() == "made from podium"
    with page.expect_download() as download_info:
        link.click()
    assert download_info.value.suggested_filename == "made.txt"


def test_keyboard_only(page: Any, apps: RunningApps) -> None:
    """Every control works without a mouse: Tab moves focus, Space toggles, arrows and Enter pick, Enter clicks."""
    forms = apps.get("forms")
    open_app(page, forms)
    field(page, forms.checked).focus()
    page.keyboard.press("Space")
    expect(field(page, forms.checked)).not_to_be_checked()
    single = field(page, forms.single)
    single.focus()
    expect(single).to_be_focused()
    page.keyboard.press("ArrowDown")  # opens the list
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    expect(single).not_to_have_value("y")
    picked = single.input_value()
    block(page, forms.go).focus()
    page.keyboard.press("Enter")
    expect(block(page, forms.values)).to_contain_text(picked)
    assert forms.LAST_SUMMARY["single"] == picked and forms.LAST_SUMMARY["checked"] is False

    app = apps.get("interface")
    open_app(page, app)
    name = field(page, app.demo.input_components[0])
    name.focus()
    page.keyboard.press("Tab")  # from the textbox to the slider's number box and on: focus leaves the textbox
    expect(name).not_to_be_focused()
    row = block(page, app.demo.examples_dataset).get_by_role("row").filter(has_text="Bob")
    row.focus()
    page.keyboard.press("Enter")
    expect(name).to_have_value("Bob")


def test_upload_button_and_download_button(page: Any, apps: RunningApps) -> None:
    files = apps.get("files")
    open_app(page, files)
    block(page, files.upload_button).locator("input[type=file]").set_input_files(
        {"name": "notes.txt", "mimeType": "text/plain", "buffer": b"from the button"}
    )
    expect(field(page, files.summary)).to_have_value("uploaded notes.txt: from the button")

    download = block(page, files.download_button)
    expect(download.get_by_role("button", name="Download it")).to_be_disabled()  # no file yet
    block(page, files.prepare).click()
    link = download.get_by_role("link", name="Download it")
    expect(link).to_be_visible()
    with page.expect_download() as download_info:
        link.click()
    assert download_info.value.suggested_filename == "download.txt"
    assert Path(download_info.value.path()).read_text() == "download of podium"
