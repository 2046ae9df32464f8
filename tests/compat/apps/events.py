"""Event features: click/submit/change/input/select, .then/.success/.failure chains, gr.on, gr.update,
component-instance returns, dict returns keyed by component, and EventData/SelectData."""

import threading

import podium as gr

slow_started = threading.Event()
slow_gate = threading.Event()  # `slow_echo` runs until a test sets it


def greet(name):
    return f"Hello {name}"


def count_letters(name):
    return len(name)


def echo_input(name):
    return f"typed:{name}"


def slow_echo(text):
    slow_started.set()
    slow_gate.wait(60)
    return text


def step_one(name):
    if name == "fail":
        raise gr.Error("step one failed")
    return name.upper()


def step_two(upper):
    return upper + "!"


def on_success(upper):
    return f"ok:{upper}"


def on_failure():
    return "recovered"


def either(name):
    return f"either:{name}"


def hide_with_update(name):
    return gr.update(value=f"hidden {name}", visible=False)


def relabel_with_instance(name):
    return gr.Textbox(value=f"new {name}", label="Renamed")


def fill_by_dict(name):
    return {first: f"first {name}", second: len(name)}


def pick(choice, evt: gr.SelectData):
    return {"choice": choice, "index": evt.index, "value": evt.value, "selected": evt.selected}


def loaded():
    return "page loaded"


def who_fired(name, evt: gr.EventData):
    return {"name": name, "has_target": evt.target is not None, "data": evt._data}


with gr.Blocks() as demo:
    name = gr.Textbox(label="Name")
    greeting = gr.Textbox(label="Greeting")
    length = gr.Number(label="Length")
    typed = gr.Textbox(label="Typed")
    upper = gr.Textbox(label="Upper")
    final = gr.Textbox(label="Final")
    status = gr.Textbox(label="Status")
    first = gr.Textbox(label="First")
    second = gr.Number(label="Second")
    third = gr.Textbox(label="Third", value="untouched")
    choice = gr.Radio(["a", "b", "c"], label="Choice")
    picked = gr.JSON(label="Picked")
    run = gr.Button("Run")
    extra = gr.Button("Extra")

    name.submit(greet, name, greeting, api_name="greet")
    name.change(count_letters, name, length, api_name="count_letters")
    name.input(echo_input, name, typed, api_name="echo_input")
    typed.change(slow_echo, typed, final, api_name="slow_echo")
    chain = run.click(step_one, name, upper, api_name="step_one")
    chain.then(step_two, upper, final, api_name="step_two")
    chain.success(on_success, upper, status, api_name="on_success")
    chain.failure(on_failure, None, status, api_name="on_failure")
    gr.on([extra.click, greeting.submit], either, name, typed, api_name="either")
    extra.click(hide_with_update, name, greeting, api_name="hide")
    extra.click(relabel_with_instance, name, greeting, api_name="relabel")
    extra.click(fill_by_dict, name, [first, second, third], api_name="fill_by_dict")
    choice.select(pick, choice, picked, api_name="pick")
    extra.click(who_fired, name, picked, api_name="who_fired")
    extra.click(greet, name, greeting, queue=False, api_name="greet_unqueued")
    demo.load(loaded, None, status, api_name="on_load")
    stamp = gr.Textbox(value=lambda: "dynamic value", label="Stamp")

if __name__ == "__main__":
    demo.launch()
