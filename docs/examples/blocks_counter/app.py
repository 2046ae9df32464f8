"""A Blocks app: a layout, two events and per-session state (docs/quickstart.md walks through it)."""

import podium as gr


def add(text: str, history: list[str]) -> tuple[list[str], str, str]:
    """Appends `text` to this session's history; returns the new history, the summary and an empty box."""
    history = [*history, text]
    return history, f"{len(history)} item(s): " + ", ".join(history), ""


def reset() -> tuple[list[str], str]:
    return [], "0 item(s)"


with gr.Blocks(title="Notes") as demo:
    history = gr.State([])
    with gr.Row():
        note = gr.Textbox(label="note", placeholder="Type and press Enter")
        clear = gr.Button("Clear")
    summary = gr.Textbox(label="summary", value="0 item(s)", interactive=False)

    note.submit(add, inputs=[note, history], outputs=[history, summary, note], api_name="add")
    clear.click(reset, inputs=None, outputs=[history, summary], api_name="reset")

if __name__ == "__main__":
    demo.launch()
