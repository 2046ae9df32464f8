"""A TabbedInterface made of two Interfaces."""

import podium as gr


def shout(text):
    return text.upper()


def reverse(text):
    return text[::-1]


shout_app = gr.Interface(shout, "textbox", "textbox", title="Shout")
reverse_app = gr.Interface(reverse, gr.Textbox(label="text"), gr.Textbox(label="reversed"))

demo = gr.TabbedInterface([shout_app, reverse_app], ["Shout", "Reverse"], title="Two tools")

if __name__ == "__main__":
    demo.launch()
