"""Every form input in one Blocks app: a textbox that greets on Enter, a Summarize button that echoes every
input's value as JSON, and a ClearButton."""

import podium as gr


def greet(name):
    return f"Hello {name}"


LAST_SUMMARY: dict = {}  # what the last Summarize click received, for the test to compare exactly


def summarize(text, number, slider, checked, picks, radio, single, multi, color):
    LAST_SUMMARY.clear()
    LAST_SUMMARY.update(
        {
            "text": text,
            "number": number,
            "slider": slider,
            "checked": checked,
            "picks": picks,
            "radio": radio,
            "single": single,
            "multi": multi,
            "color": color,
        }
    )
    return dict(LAST_SUMMARY)


with gr.Blocks(title="Form components") as demo:
    with gr.Row():
        with gr.Column():
            name = gr.Textbox(label="Name", value="Ada")
            greeting = gr.Textbox(label="Greeting")
            number = gr.Number(label="Number", value=1.5)
            slider = gr.Slider(0, 100, value=10, step=5, label="Slider")
            checked = gr.Checkbox(label="Checked", value=True)
        with gr.Column():
            picks = gr.CheckboxGroup(["red", "green", "blue"], value=["red"], label="Picks")
            radio = gr.Radio(["small", "large"], value="small", label="Size")
            single = gr.Dropdown(["x", "y", "z"], value="y", label="Single")
            multi = gr.Dropdown(["x", "y", "z"], value=["x"], multiselect=True, label="Multi")
            color = gr.ColorPicker(value="#ff0000", label="Color")
    with gr.Row():
        go = gr.Button("Summarize", variant="primary")
        clear = gr.ClearButton([name, greeting], value="Clear name")
    values = gr.JSON(label="Values")
    name.submit(greet, name, greeting, api_name="greet")
    go.click(
        summarize,
        inputs=[name, number, slider, checked, picks, radio, single, multi, color],
        outputs=values,
        api_name="summarize",
    )

if __name__ == "__main__":
    demo.launch()
