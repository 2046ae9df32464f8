"""Output-only components with initial values, and a button that replaces every value."""

import podium as gr

FIRST = {
    "markdown": "# Display title\n\nSome **bold** words.",
    "html": '<p class="e2e-html">Raw <b>HTML</b> here</p>',
    "json": {"fruit": "apple", "count": 3},
    "label": {"cat": 0.7, "dog": 0.3},
    "code": "print('hello from code')",
    "color": "#3366ff",
}


def change():
    return (
        "## Changed heading",
        '<p class="e2e-html">Changed <i>html</i></p>',
        {"fruit": "pear", "count": 42},
        {"bird": 0.9, "fish": 0.1},
        "x = 'changed code'",
        "#00ff00",
    )


with gr.Blocks(title="Display components") as demo:
    markdown = gr.Markdown(FIRST["markdown"])
    html = gr.HTML(FIRST["html"])
    data = gr.JSON(FIRST["json"], label="Data")
    label = gr.Label(FIRST["label"], label="Class")
    code = gr.Code(FIRST["code"], language="python", label="Code")
    color = gr.ColorPicker(FIRST["color"], label="Shown color")
    button = gr.Button("Change everything")
    button.click(change, None, [markdown, html, data, label, code, color], api_name="change")

if __name__ == "__main__":
    demo.launch()
