"""Chatbot through the real `gradio_client`: the history goes in and comes back in Gradio 6's messages
format (content as a list of typed parts), streamed replies arrive step by step, `ChatMessage` metadata is
kept, and a malformed history is refused."""

import pytest


@pytest.fixture(scope="module")
def chat_app(running_apps):
    return running_apps.get("chatbot_app")


def text(role, value):
    return {"role": role, "metadata": None, "content": [{"text": value, "type": "text"}], "options": None}


def normalized(history):
    """Key order aside, a message compares as the dict Gradio sends."""
    return [
        {**m, "content": [dict(sorted(p.items())) for p in m["content"]]} for m in history
    ]


def test_a_reply_is_appended_to_the_history(chat_app, make_client):
    client = make_client(chat_app)
    cleared, history = client.predict("hi", [], api_name="/respond")
    assert cleared == ""
    assert normalized(history) == [text("user", "hi"), text("assistant", "Echo: hi")]
    _, history = client.predict("again", history, api_name="/respond")
    assert [m["content"][0]["text"] for m in history] == ["hi", "Echo: hi", "again", "Echo: again"]


def test_the_handler_receives_messages_with_typed_parts(chat_app, make_client):
    history = [text("user", "question"), text("assistant", "answer")]
    seen = make_client(chat_app).predict(history, api_name="/inspect")
    assert seen["count"] == 2 and seen["roles"] == ["user", "assistant"]
    assert seen["first"]["role"] == "user"
    assert seen["first"]["content"] == [{"text": "question", "type": "text"}]


def test_an_empty_history_is_an_empty_list(chat_app, make_client):
    assert make_client(chat_app).predict(None, api_name="/inspect") == {"count": 0, "roles": [], "first": None}


def test_a_streamed_reply_grows_step_by_step(chat_app, make_client):
    job = make_client(chat_app).submit([text("user", "count")], api_name="/stream")
    final = job.result(timeout=60)
    assert [h[-1]["content"][0]["text"] for h in job.outputs()] == ["one", "one two", "one two three"]
    assert normalized(final) == [text("user", "count"), text("assistant", "one two three")]


def test_chat_messages_keep_their_metadata(chat_app, make_client):
    history = make_client(chat_app).predict(api_name="/thought")
    assert history[0]["metadata"] == {"title": "Used a tool", "status": "done"}
    assert history[0]["role"] == history[1]["role"] == "assistant"
    assert history[1]["content"] == [{"text": "The answer is 42.", "type": "text"}]


def test_a_malformed_history_is_refused(chat_app, make_client):
    from gradio_client.exceptions import AppError

    with pytest.raises(AppError):
        make_client(chat_app).predict([{"content": "no role"}], api_name="/inspect")
