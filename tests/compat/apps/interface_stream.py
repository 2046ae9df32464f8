"""An Interface around a generator, with additional_inputs and an api_description."""

import podium as gr


def spell(word, repeat):
    out = ""
    for letter in word * int(repeat):
        out += letter
        yield out


demo = gr.Interface(
    spell,
    "text",
    "text",
    additional_inputs=[gr.Slider(1, 3, value=1, step=1, label="repeat")],
    api_description="Spell a word letter by letter.",
)

if __name__ == "__main__":
    demo.launch()
