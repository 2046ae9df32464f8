"""An app to share by deep link: text, a dropdown and a slider the visitor sets, an event that writes an output
and reveals a hidden box, Tabs with two tabs, a closed Accordion, a State the link must never hold, a `load`
event that a restored page must not run, and a DeepLinkButton."""

import atexit
import os
import shutil
import tempfile

import podium as gr

# Links go to a store of this test session, not the user's cache.
_STORE = tempfile.mkdtemp(prefix="podium-e2e-deep-links-")
os.environ["PODIUM_DEEP_LINK_DIR"] = _STORE
atexit.register(shutil.rmtree, _STORE, True)


def greet(name, color, size, secret):
    return f"Hello {name}: {color} x{size}", gr.update(visible=True, value=f"{name} was here"), f"secret of {name}"


def reveal_secret(secret):
    return secret


with gr.Blocks(title="Deep links") as demo:
    name = gr.Textbox(label="Name")
    color = gr.Dropdown(["red", "green", "blue"], value="red", label="Color")
    size = gr.Slider(0, 10, value=2, step=1, label="Size")
    greeting = gr.Textbox(label="Greeting")
    extra = gr.Textbox(label="Shown after greeting", visible=False)
    secret = gr.State("no secret")
    go = gr.Button("Greet")
    shown_secret = gr.Textbox(label="Secret")
    show = gr.Button("Show secret")
    with gr.Tabs() as tabs:
        with gr.Tab("First", id="first"):
            first_note = gr.Textbox(label="First note", value="one")
        with gr.Tab("Second", id="second"):
            second_note = gr.Textbox(label="Second note", value="two")
    with gr.Accordion("Advanced", open=False) as advanced:
        notes = gr.Textbox(label="Notes")
    share = gr.DeepLinkButton()

    go.click(greet, [name, color, size, secret], [greeting, extra, secret], api_name="greet")
    show.click(reveal_secret, secret, shown_secret, api_name="reveal_secret")
    # The first writes only a box the link restores (skipped on a restored page); the second writes a State,
    # which no link restores (so it always runs): the tests wait for it.
    demo.load(lambda: "Welcome", None, greeting, api_name="welcome")
    demo.load(lambda: "loaded", None, secret, api_name="load_state")
