"""A one-textbox app launched with ssr_mode=False: the page ships an empty #podium-app and the runtime
renders everything."""

import podium as gr

LAUNCH_KWARGS = {"ssr_mode": False}

with gr.Blocks(title="No SSR") as demo:
    text = gr.Textbox(label="Text", value="client side")
    out = gr.Textbox(label="Out")
    text.submit(lambda t: t.upper(), text, out, api_name="upper")
