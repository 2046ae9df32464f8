"""Hello as a Space: the smallest Podium app (`make up` pushes it as admin/hello).

In a Space the port comes from the platform (PODIUM_SERVER_PORT); launch() reads it.
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
    description="Type a name, pick an intensity, press Submit.",
    deep_link=True,  # a DeepLinkButton: copies a link that reopens the app with these values
)

if __name__ == "__main__":
    demo.launch()
