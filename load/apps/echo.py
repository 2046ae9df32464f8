"""The benchmark app: Gradio's greet demo, run unchanged by Podium or by Gradio.

`BENCH_UI` picks the library (`podium`, the default, or `gradio`): the same file is what a user would
run with `import podium as gr` or `import gradio as gr`. `BENCH_FN=async` swaps in an async handler.
`BENCH_PORT` sets the port; `BENCH_NO_LAUNCH=1` builds the app without serving it (import-cost runs).
Launch uses the defaults (queue on, default concurrency limit), bound to 127.0.0.1.
"""

import importlib
import os

gr = importlib.import_module(os.environ.get("BENCH_UI", "podium"))


def greet(name):
    return "Hello, " + name + "!"


async def greet_async(name):
    return "Hello, " + name + "!"


demo = gr.Interface(
    fn=greet_async if os.environ.get("BENCH_FN") == "async" else greet,
    inputs="text",
    outputs="text",
)

if __name__ == "__main__" and os.environ.get("BENCH_NO_LAUNCH") != "1":
    demo.launch(server_name="127.0.0.1", server_port=int(os.environ.get("BENCH_PORT", "7860")))
