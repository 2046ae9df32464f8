"""gr.Error, gr.Warning, gr.Info, plain exceptions, and errors raised in the middle of a generator."""

import podium as gr


def fail_with_message(text):
    raise gr.Error(f"custom failure: {text}")


def fail_with_title(text):
    raise gr.Error("with a title", title="Oops", duration=5)


def fail_plainly(text):
    raise ValueError(f"hidden detail {text}")


def notify(text):
    gr.Info(f"info about {text}")
    gr.Warning(f"warning about {text}")
    return f"notified {text}"


async def fail_async(text):
    raise gr.Error(f"async failure: {text}")


def fail_midway(text):
    yield f"{text}-1"
    yield f"{text}-2"
    raise gr.Error("generator broke")


with gr.Blocks() as demo:
    text = gr.Textbox(label="Text")
    out = gr.Textbox(label="Out")
    button = gr.Button("Go")
    button.click(fail_with_message, text, out, api_name="fail_with_message")
    button.click(fail_with_title, text, out, api_name="fail_with_title")
    button.click(fail_plainly, text, out, api_name="fail_plainly")
    button.click(notify, text, out, api_name="notify")
    button.click(fail_midway, text, out, api_name="fail_midway")
    button.click(fail_async, text, out, api_name="fail_async")

if __name__ == "__main__":
    demo.launch()
