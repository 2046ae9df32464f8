"""Layouts a visitor operates: Tabs (switch between two tabs) and a closed Accordion (open it)."""

import podium as gr

with gr.Blocks(title="Layouts") as demo:
    with gr.Tabs() as tabs:
        with gr.Tab("First") as first_tab:
            first_text = gr.Textbox(label="In the first tab", value="one")
        with gr.Tab("Second") as second_tab:
            second_text = gr.Textbox(label="In the second tab", value="two")
    with gr.Accordion("More", open=False) as accordion:
        hidden_note = gr.Markdown("Inside the accordion")
    shown = gr.Textbox(label="Visible only after the button", visible=False)
    reveal = gr.Button("Reveal")
    reveal.click(lambda: gr.update(visible=True, value="revealed"), None, shown, api_name="reveal")
