"""A Blocks app with chained events (.then/.success/.failure), per-session State, a paced streaming
generator, gr.Error / gr.Info / gr.Warning, and a js= handler that runs only in the browser."""

import threading
import time

import podium as gr

stream_gate = threading.Event()  # `paced_stream` waits for the test to set it between its yields


def step_one(name):
    if name == "fail":
        raise gr.Error("step one failed")
    return name.upper()


def step_two(upper):
    return upper + "!"


def on_success(upper):
    return f"ok:{upper}"


def on_failure():
    return "recovered"


def bump(count):
    count = count + 1
    return f"clicked {count} times", count


def paced_stream():
    yield "part 1"
    stream_gate.wait(30)
    text = "part 1"
    for i in range(2, 5):
        time.sleep(0.05)
        text += f" part {i}"
        yield text


def fail(name):
    raise gr.Error(f"custom failure: {name}")


def crash(name):
    raise ValueError(f"secret detail about {name}")  # not a gr.Error: the visitor must not see the message


def relabel(name):
    return gr.Textbox(value=f"relabelled {name}", label="Renamed box")


def notify(name):
    gr.Info(f"info about {name}")
    gr.Warning(f"warning about {name}")
    return f"notified {name}"


with gr.Blocks(title="Blocks") as demo:
    gr.Markdown("# Chained events")
    with gr.Row():
        with gr.Column():
            name = gr.Textbox(label="Name", value="podium")
            run = gr.Button("Run", variant="primary")
        with gr.Column():
            upper = gr.Textbox(label="Upper")
            final = gr.Textbox(label="Final")
            status = gr.Textbox(label="Status")
    with gr.Row():
        count = gr.State(0)
        counter = gr.Textbox(label="Counter")
        count_button = gr.Button("Count")
    with gr.Row():
        streamed = gr.Textbox(label="Streamed")
        stream_button = gr.Button("Stream")
    with gr.Row():
        notice = gr.Textbox(label="Notice")
        fail_button = gr.Button("Fail")
        info_button = gr.Button("Notify")
        crash_button = gr.Button("Crash")
        relabel_button = gr.Button("Relabel")
    with gr.Row():
        reversed_text = gr.Textbox(label="Reversed in the browser")
        reverse_button = gr.Button("Reverse")

    chain = run.click(step_one, name, upper, api_name="step_one")
    chain.then(step_two, upper, final, api_name="step_two")
    chain.success(on_success, upper, status, api_name="on_success")
    chain.failure(on_failure, None, status, api_name="on_failure")
    count_button.click(bump, count, [counter, count], api_name="bump")
    stream_button.click(paced_stream, None, streamed, api_name="stream")
    fail_button.click(fail, name, notice, api_name="fail")
    info_button.click(notify, name, notice, api_name="notify")
    crash_button.click(crash, name, notice, api_name="crash")
    relabel_button.click(relabel, name, notice, api_name="relabel")
    reverse_button.click(None, name, reversed_text, js="(text) => text.split('').reverse().join('')")

if __name__ == "__main__":
    demo.launch()
