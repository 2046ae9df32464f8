"""queue(max_size=1) with a handler held on a gate, so that "queue full" can be reached without timing."""

import threading

import podium as gr

started = threading.Event()
gate = threading.Event()


def hold(text):
    started.set()
    gate.wait(60)
    return f"released {text}"


with gr.Blocks() as demo:
    text = gr.Textbox(label="Text")
    out = gr.Textbox(label="Out")
    gr.Button("Hold").click(hold, text, out, concurrency_limit=1, api_name="hold")

demo.queue(max_size=1)

if __name__ == "__main__":
    demo.launch()
