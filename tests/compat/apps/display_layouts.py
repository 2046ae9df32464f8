"""Output-only components (Markdown, HTML, JSON, Label, Code, ColorPicker) inside every layout
(Row, Column, Tabs/Tab, Accordion, Group), plus a ClearButton."""

import podium as gr


def render(topic):
    return (
        f"# {topic}",
        f"<b>{topic}</b>",
        {"topic": topic, "letters": len(topic), "tags": ["a", "b"]},
        f"print({topic!r})",
        "#00ff00",
    )


def classify(topic):
    return {"long": 0.75, "short": 0.25} if len(topic) > 3 else "short"


with gr.Blocks() as demo:
    gr.Markdown("## Display components")
    with gr.Group():
        topic = gr.Textbox(label="Topic")
    with gr.Tabs():
        with gr.Tab("Text"):
            with gr.Row():
                markdown = gr.Markdown()
                html = gr.HTML()
        with gr.Tab("Data"):
            with gr.Column():
                data = gr.JSON(label="Data")
                with gr.Accordion("Source", open=False):
                    code = gr.Code(language="python", label="Code")
    color = gr.ColorPicker(label="Color")
    label = gr.Label(num_top_classes=2, label="Class")
    with gr.Row():
        show = gr.Button("Show")
        judge = gr.Button("Classify")
        gr.ClearButton([topic, markdown, html, data, code, color, label])
    show.click(render, topic, [markdown, html, data, code, color], api_name="render")
    judge.click(classify, topic, label, api_name="classify")

if __name__ == "__main__":
    demo.launch()
