"""An Interface around a generator: Submit streams, Stop cancels. The generator waits for the test between
its two yields."""

import threading

import podium as gr

gate = threading.Event()


def ticks(name):
    yield f"{name}: tick 1"
    gate.wait(30)
    yield f"{name}: tick 2"


demo = gr.Interface(ticks, gr.Textbox(label="Name"), gr.Textbox(label="Ticks"), api_name="ticks")
