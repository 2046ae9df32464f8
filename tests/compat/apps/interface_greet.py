"""An Interface with string shortcuts, a default-valued slider, examples, title, description and article."""

import podium as gr


def greet(name, intensity):
    return "Hello, " + name + "!" * int(intensity)


demo = gr.Interface(
    fn=greet,
    inputs=["text", gr.Slider(1, 5, value=2, step=1, label="intensity")],
    outputs=["text"],
    title="Greeter",
    description="Says hello as loudly as you like.",
    article="Part of Podium's Gradio compatibility suite.",
    examples=[["Ann", 3], ["Bob", 1]],
)

if __name__ == "__main__":
    demo.launch()
