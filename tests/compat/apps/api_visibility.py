"""api_name and api_visibility ("public", "undocumented", "private"), automatic api names, and a handler
whose Python parameters have defaults."""

import podium as gr


def join(first, second, sep=", "):
    """Join two words with a separator."""
    return f"{first}{sep}{second}"


def shout(text):
    return text.upper()


def hidden(text):
    return f"hidden {text}"


def secret(text):
    return f"secret {text}"


with gr.Blocks() as demo:
    first = gr.Textbox(label="First", value="hello")
    second = gr.Textbox(label="Second", value="world")
    out = gr.Textbox(label="Out")
    go = gr.Button("Go")
    go.click(join, [first, second], out, api_name="join", api_visibility="public")
    go.click(hidden, first, out, api_name="hidden", api_visibility="undocumented")
    go.click(secret, first, out, api_name="secret", api_visibility="private")
    go.click(shout, first, out)
    second.submit(shout, second, out)
    go.click(lambda text: text[::-1], first, out)

if __name__ == "__main__":
    demo.launch()
