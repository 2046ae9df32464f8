"""Every form input component in one Blocks app: the handler echoes what it received, with Python types."""

import podium as gr


def summarize(text, number, whole, slider, checked, picks, pick_indices, radio, single, multi, color):
    values = {
        "text": text,
        "number": number,
        "whole": whole,
        "slider": slider,
        "checked": checked,
        "picks": picks,
        "pick_indices": pick_indices,
        "radio": radio,
        "single": single,
        "multi": multi,
        "color": color,
    }
    types = {key: type(value).__name__ for key, value in values.items()}
    return values, types


with gr.Blocks(title="Form components") as demo:
    with gr.Row():
        with gr.Column():
            text = gr.Textbox(label="Text", value="hello")
            number = gr.Number(label="Number", value=1.5)
            whole = gr.Number(label="Whole", value=3, precision=0)
            slider = gr.Slider(0, 100, value=10, step=5, label="Slider")
            checked = gr.Checkbox(label="Checked", value=True)
        with gr.Column():
            picks = gr.CheckboxGroup(["red", "green", "blue"], value=["red"], label="Picks")
            pick_indices = gr.CheckboxGroup(["a", "b", "c"], value=["b"], type="index", label="Pick indices")
            radio = gr.Radio(["small", "large"], value="small", label="Radio")
            single = gr.Dropdown(["x", "y", "z"], value="y", label="Single")
            multi = gr.Dropdown(["x", "y", "z"], value=["x"], multiselect=True, label="Multi")
            color = gr.ColorPicker(value="#ff0000", label="Color")
    go = gr.Button("Summarize")
    values_out = gr.JSON(label="Values")
    types_out = gr.JSON(label="Types")
    go.click(
        summarize,
        inputs=[text, number, whole, slider, checked, picks, pick_indices, radio, single, multi, color],
        outputs=[values_out, types_out],
        api_name="summarize",
    )

if __name__ == "__main__":
    demo.launch()
