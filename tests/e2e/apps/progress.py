"""A handler that reports gr.Progress and then waits for the test; one at a time (concurrency_limit=1), so a
second visitor waits in the queue."""

import threading

import podium as gr

started = threading.Event()
gate = threading.Event()  # `work` returns once the test sets it


def work(text, progress=gr.Progress()):
    progress(0.5, desc="Halfway there")
    started.set()
    gate.wait(30)
    return f"done {text}"


with gr.Blocks(title="Progress") as demo:
    text = gr.Textbox(label="Text")
    out = gr.Textbox(label="Result")
    go = gr.Button("Work")
    go.click(work, text, out, api_name="work", concurrency_limit=1)

if __name__ == "__main__":
    demo.launch()
