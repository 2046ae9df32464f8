"""The deep-link benchmark app: a small form with a DeepLinkButton, run unchanged by Podium or by Gradio.

`BENCH_UI` picks the library (`podium`, the default, or `gradio`); `BENCH_PORT` sets the port. Three textboxes,
a dropdown and a slider feed `compose` (api name `compose`), which fills the answer box; the DeepLinkButton
saves what the visitor sees. Launch uses the defaults (queue on), bound to 127.0.0.1.
"""

import importlib
import os

gr = importlib.import_module(os.environ.get("BENCH_UI", "podium"))

TONES = ["plain", "formal", "cheerful"]


def compose(name, city, note, tone, stars):
    return f"{tone}: {name} from {city} rates it {stars}/10. {note}"


with gr.Blocks(title="Deep-link benchmark") as demo:
    name = gr.Textbox(label="Name")
    city = gr.Textbox(label="City")
    note = gr.Textbox(label="Note", lines=3)
    tone = gr.Dropdown(TONES, value="plain", label="Tone")
    stars = gr.Slider(0, 10, value=5, step=1, label="Stars")
    answer = gr.Textbox(label="Answer")
    go = gr.Button("Compose")
    go.click(compose, [name, city, note, tone, stars], answer, api_name="compose")
    gr.DeepLinkButton()

if __name__ == "__main__":
    demo.launch(server_name="127.0.0.1", server_port=int(os.environ.get("BENCH_PORT", "7860")))
