"""Echo chat as a Space: a Chatbot whose reply streams word by word (`make up` pushes it as admin/chat).

No model and no downloads: the "bot" echoes the message. Streaming is a generator: each `yield` sends the
conversation so far. "Share via Link" copies a deep link that reopens the chat with its whole history.
"""

import time
from collections.abc import Iterator
from typing import Any

import podium as gr

Messages = list[dict[str, Any]]


def reply(message: str, history: Messages) -> Iterator[tuple[Messages, str]]:
    """Appends the user's message, then the bot's echo one word at a time; empties the message box."""
    history = list(history or [])
    if not message.strip():
        yield history, ""
        return
    history.append({"role": "user", "content": message})
    answer = ""
    for word in f"You said: {message}".split():
        time.sleep(0.05)
        answer = f"{answer} {word}".strip()
        yield [*history, {"role": "assistant", "content": answer}], ""


with gr.Blocks(title="Echo chat") as demo:
    gr.Markdown("# Echo chat\nSay something; the bot streams it back.")
    chat = gr.Chatbot(label="conversation", height=360)
    with gr.Row():
        message = gr.Textbox(label="message", placeholder="Type and press Enter", scale=4)
        send = gr.Button("Send", variant="primary")
        gr.DeepLinkButton()

    gr.on([message.submit, send.click], reply, inputs=[message, chat], outputs=[chat, message], api_name="chat")

if __name__ == "__main__":
    demo.launch()
