"""A long generator that a Stop button (cancels=...) or the API client can cancel."""

import threading
import time

import podium as gr

finished = threading.Event()  # set when the generator stops, whether it ran out or was closed
held_started = threading.Event()
held_gate = threading.Event()  # `held` runs until a test sets it
held_runs = []  # every text `held` was called with


def tick(n):
    finished.clear()
    try:
        for i in range(int(n)):
            time.sleep(0.05)
            yield i
    finally:
        finished.set()


def held(text):
    held_runs.append(text)
    held_started.set()
    held_gate.wait(60)
    return text


with gr.Blocks() as demo:
    n = gr.Number(label="n", value=10000, precision=0)
    out = gr.Number(label="Tick")
    start = gr.Button("Start")
    stop = gr.Button("Stop")
    ticking = start.click(tick, n, out, api_name="tick")
    stop.click(None, None, None, cancels=[ticking])
    text = gr.Textbox(label="Text")
    gr.Button("Hold").click(held, text, text, concurrency_limit=1, api_name="held")

if __name__ == "__main__":
    demo.launch()
