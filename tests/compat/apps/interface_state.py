"""An Interface with the "state" shortcut and a custom api_name."""

import podium as gr


def tally(word, history):
    history = (history or []) + [word]
    return " ".join(history), history


demo = gr.Interface(tally, ["text", "state"], ["text", "state"], api_name="tally")

if __name__ == "__main__":
    demo.launch()
