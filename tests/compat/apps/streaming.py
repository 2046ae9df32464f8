"""Streaming: sync and async generators (strings, lists, dicts, two outputs) and a plain async handler."""

import asyncio
import threading

import podium as gr

resume = threading.Event()  # `paced` waits for the test to set it between its two yields


def paced():
    yield "a"
    resume.wait(60)
    yield "ab"


def count(n):
    text = ""
    for i in range(int(n)):
        text += str(i)
        yield text


async def count_async(n):
    for i in range(int(n)):
        await asyncio.sleep(0.01)
        yield f"step {i}"


async def add_async(a, b):
    await asyncio.sleep(0.01)
    return a + b


def grow_list(n):
    items = []
    for i in range(int(n)):
        items.append({"i": i, "square": i * i})
        yield items


def reshape_dict(n):
    state = {"count": 0, "kept": True}
    for i in range(int(n)):
        state = {"count": i + 1, "last": f"v{i}"}
        yield state


def edge_cases():
    # repeated, shrinking, type-changing and nested values exercise every kind of diff
    steps = [
        {"text": "abc", "items": [1, 2, 3], "nested": {"a": [1, {"b": 2}], "gone": True}},
        {"text": "abc", "items": [1, 2, 3], "nested": {"a": [1, {"b": 2}], "gone": True}},
        {"text": "a", "items": [1, 3], "nested": {"a": [1, {"b": 3}, 4]}},
        {"text": "a\u00e9\u2713", "items": [], "nested": {"a": "now a string"}},
        {"text": None, "items": [{"deep": [None, 0.5]}], "nested": {}},
    ]
    yield from steps


def with_updates(n):
    for i in range(int(n)):
        yield gr.update(value=str(i), visible=i % 2 == 0)


def two_outputs(n):
    for i in range(int(n)):
        yield str(i), i * 10


with gr.Blocks() as demo:
    n = gr.Number(label="n", value=3, precision=0)
    a = gr.Number(label="a")
    b = gr.Number(label="b")
    text = gr.Textbox(label="Text")
    total = gr.Number(label="Total")
    data = gr.JSON(label="Data")
    go = gr.Button("Go")
    go.click(count, n, text, api_name="count")
    go.click(count_async, n, text, api_name="count_async")
    go.click(add_async, [a, b], total, api_name="add_async")
    go.click(grow_list, n, data, api_name="grow_list")
    go.click(reshape_dict, n, data, api_name="reshape_dict")
    go.click(two_outputs, n, [text, total], api_name="two_outputs")
    go.click(paced, None, text, api_name="paced")
    go.click(edge_cases, None, data, api_name="edge_cases")
    go.click(with_updates, n, text, api_name="with_updates")

if __name__ == "__main__":
    demo.launch()
