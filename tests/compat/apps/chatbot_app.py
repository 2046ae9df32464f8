"""Chatbot as an input and an output: a reply appended to the history, a streamed reply, what the handler
receives, and `ChatMessage` with metadata."""

import podium as gr


def respond(message, history):
    return "", history + [{"role": "user", "content": message}, {"role": "assistant", "content": f"Echo: {message}"}]


def stream(history):
    history = history + [{"role": "assistant", "content": ""}]
    for word in ("one", "two", "three"):
        history[-1]["content"] = (history[-1]["content"] + " " + word).strip()
        yield history


def inspect_history(history):
    return {"count": len(history), "roles": [m["role"] for m in history], "first": history[0] if history else None}


def thought():
    return [
        gr.ChatMessage("looked it up", metadata={"title": "Used a tool", "status": "done"}),
        gr.ChatMessage("The answer is 42."),
    ]


with gr.Blocks() as demo:
    message = gr.Textbox(label="Message")
    chat = gr.Chatbot(label="Chat")
    seen = gr.JSON(label="Seen")
    message.submit(respond, [message, chat], [message, chat], api_name="respond")
    gr.Button("Stream").click(stream, chat, chat, api_name="stream")
    gr.Button("Inspect").click(inspect_history, chat, seen, api_name="inspect")
    gr.Button("Thought").click(thought, None, chat, api_name="thought")

if __name__ == "__main__":
    demo.launch()
