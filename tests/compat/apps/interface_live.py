"""A live Interface built only from string shortcuts ("text", "slider", "number", "checkbox", "dropdown",
"json", "label")."""

import podium as gr


def describe(text, amount, count, flag, choice):
    summary = {"text": text, "amount": amount, "count": count, "flag": flag, "choice": choice}
    score = min(max(float(amount) / 100.0, 0.0), 1.0)
    return summary, {"high": score, "low": 1.0 - score}


demo = gr.Interface(
    describe,
    inputs=["text", "slider", "number", "checkbox", "dropdown"],
    outputs=["json", "label"],
    live=True,
)

if __name__ == "__main__":
    demo.launch()
