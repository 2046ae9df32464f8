"""One textbox echoed by a short handler that many tabs call at once (no concurrency limit)."""

import time

import podium as gr


def echo(text):
    time.sleep(0.2)
    return f"echo: {text}"


with gr.Blocks(title="Echo") as demo:
    text = gr.Textbox(label="Text")
    out = gr.Textbox(label="Echo")
    send = gr.Button("Send")
    send.click(echo, text, out, api_name="echo", concurrency_limit=None)

if __name__ == "__main__":
    demo.launch()
