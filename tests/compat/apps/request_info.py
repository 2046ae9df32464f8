"""Handlers that take `gr.Request`: echo a request header and the session hash."""

import podium as gr


def echo_header(text, request: gr.Request):
    return f"{text}:{request.headers.get('x-compat-token', 'missing')}"


def session_of(request: gr.Request):
    return request.session_hash


def client_info(request: gr.Request):
    return {"host": request.client.host, "username": request.username, "user": request.headers.get("x-gradio-user")}


def with_default(text, request: gr.Request = None):
    return f"{text}:{request is not None}"


with gr.Blocks() as demo:
    text = gr.Textbox(label="Text")
    out = gr.Textbox(label="Out")
    session = gr.Textbox(label="Session")
    text.submit(echo_header, text, out, api_name="echo_header")
    gr.Button("Who am I").click(session_of, None, session, api_name="session")
    gr.Button("Default").click(with_default, text, out, api_name="with_default")
    info = gr.JSON(label="Info")
    gr.Button("Client").click(client_info, None, info, api_name="client_info")

if __name__ == "__main__":
    demo.launch()
