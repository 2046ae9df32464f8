"""A small chat app: the Textbox's submit appends the visitor's message, then a generator streams the reply
into the Chatbot; the Chatbot starts with a conversation (shown by the server-side rendering) and reports
which message was clicked."""

import threading

import podium as gr

INITIAL = [
    {"role": "user", "content": "What is Podium?"},
    {"role": "assistant", "content": "An app server that speaks **Gradio**."},
]
reply_gate = threading.Event()  # `bot` waits for the test to set it after its first chunk


def user(message, history):
    return "", history + [{"role": "user", "content": message}]


def bot(history):
    asked = history[-1]["content"][0]["text"]
    history = history + [{"role": "assistant", "content": "Thinking"}]
    yield history
    reply_gate.wait(30)
    words = f"You said: {asked}".split()
    for i in range(1, len(words) + 1):
        history[-1]["content"] = " ".join(words[:i])
        yield history


def clicked(evt: gr.SelectData):
    return f"selected {evt.index}"


with gr.Blocks(title="Chat") as demo:
    chat = gr.Chatbot(INITIAL, label="Conversation", height=160, placeholder="Say hello")
    message = gr.Textbox(label="Message")
    selected = gr.Textbox(label="Selected")
    message.submit(user, [message, chat], [message, chat], queue=False).then(bot, chat, chat, api_name="bot")
    chat.select(clicked, None, selected)

if __name__ == "__main__":
    demo.launch()
