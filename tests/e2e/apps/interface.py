"""An Interface with a textbox and a slider, examples, title, description and article."""

import podium as gr


def greet(name, intensity):
    return "Hello, " + name + "!" * int(intensity)


demo = gr.Interface(
    fn=greet,
    inputs=[gr.Textbox(label="Name"), gr.Slider(1, 5, value=2, step=1, label="Intensity")],
    outputs=[gr.Textbox(label="Greeting")],
    title="Greeter",
    description="Says hello as loudly as you like.",
    article="Built with Podium.",
    examples=[["Ann", 3], ["Bob", 1]],
    api_name="greet",
)

if __name__ == "__main__":
    demo.launch()
