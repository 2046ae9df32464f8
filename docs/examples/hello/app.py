"""Hello: the smallest Podium app. `make up` runs it; so does `podium run docs/examples/hello/app.py`.

It is also a Gradio app: replace `import podium as gr` with `import gradio as gr` and it runs unchanged.
The port comes from launch(): 7860 (or the next free one), or PODIUM_SERVER_PORT / GRADIO_SERVER_PORT.
"""

import podium as gr


def greet(name: str, intensity: float) -> str:
    """Greets `name` with `intensity` exclamation marks."""
    return "Hello, " + name + "!" * int(intensity)


demo = gr.Interface(
    fn=greet,
    inputs=[gr.Textbox(label="name", value="World"), gr.Slider(1, 10, value=2, step=1, label="intensity")],
    outputs=[gr.Textbox(label="greeting")],
    title="Hello",
    description="Type a name, pick an intensity, press Submit. The same function is an API: see the footer.",
    deep_link=True,  # a DeepLinkButton: copies a link that reopens the app with these values
)

if __name__ == "__main__":
    demo.launch()
