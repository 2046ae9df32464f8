"""Echo chat as a Space: a Blocks app whose reply streams word by word (`make up` pushes it as admin/chat).

No model and no downloads: the "bot" echoes the message. Streaming is a generator: each `yield` sends the
transcript so far, and clients receive only what was appended to it.
"""

import time
from collections.abc import Iterator

import podium as gr


def reply(message: str, transcript: str) -> Iterator[tuple[str, str]]:
    """Appends the user's message, then the bot's echo one word at a time; empties the message box."""
    if not message.strip():
        yield transcript, ""
        return
    transcript += f"you: {message}\nbot:"
    yield transcript, ""
    for word in f"You said: {message}".split():
        time.sleep(0.05)
        transcript += " " + word
        yield transcript, ""
    yield transcript + "\n\n", ""


with gr.Blocks(title="Echo chat") as demo:
    gr.Markdown("# Echo chat\nSay something; the bot streams it back.")
    transcript = gr.Textbox(label="conversation", lines=12, interactive=False)
    with gr.Row():
        message = gr.Textbox(label="message", placeholder="Type and press Enter")
        send = gr.Button("Send")

    gr.on([message.submit, send.click], reply, inputs=[message, transcript], outputs=[transcript, message],
          api_name="chat")

if __name__ == "__main__":
    demo.launch()
