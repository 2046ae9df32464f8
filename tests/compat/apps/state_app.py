"""Per-session gr.State: a counter and a growing history list."""

import podium as gr


def bump(label, count):
    count = count + 1
    return f"{label}:{count}", count


def remember(item, history):
    history = history + [item]
    return history, history


with gr.Blocks() as demo:
    count = gr.State(0)
    history = gr.State([])
    label = gr.Textbox(label="Label")
    shown = gr.Textbox(label="Shown")
    item = gr.Textbox(label="Item")
    items = gr.JSON(label="Items")
    gr.Button("Bump").click(bump, [label, count], [shown, count], api_name="bump")
    gr.Button("Remember").click(remember, [item, history], [history, items], api_name="remember")

if __name__ == "__main__":
    demo.launch()
