"""batch=True: the handler receives lists of inputs and returns lists of outputs."""

import threading

import podium as gr

batch_sizes = []
_sizes_lock = threading.Lock()
started = threading.Event()
gate = threading.Event()  # open; a test closes it to make events wait in the queue, so that they batch
gate.set()


def double_all(texts, numbers):
    with _sizes_lock:
        batch_sizes.append(len(texts))
    started.set()
    gate.wait(60)
    return [[t * 2 for t in texts], [n * 2 for n in numbers]]


with gr.Blocks() as demo:
    text = gr.Textbox(label="Text")
    number = gr.Number(label="Number")
    text_out = gr.Textbox(label="Doubled text")
    number_out = gr.Number(label="Doubled number")
    gr.Button("Double").click(
        double_all, [text, number], [text_out, number_out], batch=True, max_batch_size=4, api_name="double_all"
    )

if __name__ == "__main__":
    demo.launch()
