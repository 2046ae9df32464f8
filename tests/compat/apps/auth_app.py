"""launch(auth=...): the API needs a login first."""

import podium as gr

LAUNCH_KWARGS = {"auth": ("admin", "secret")}


def whoami(text, request: gr.Request):
    return f"{text}:{request.username}"


with gr.Blocks() as demo:
    text = gr.Textbox(label="Text")
    out = gr.Textbox(label="Out")
    text.submit(whoami, text, out, api_name="whoami")

if __name__ == "__main__":
    demo.launch(**LAUNCH_KWARGS)
