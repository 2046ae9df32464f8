"""gr.Progress: explicit calls, progress.tqdm(...) and track_tqdm=True with a real tqdm loop."""

import threading
import time

from tqdm import tqdm

import podium as gr

gate = threading.Event()  # the `held_*` handlers wait for a test to set it


def held_progress(steps, progress=gr.Progress()):
    progress((1, 3), desc="holding", unit="steps")
    gate.wait(60)
    return steps


def held_info(steps):
    gr.Info("hold on")
    gate.wait(60)
    return steps


def explicit(steps, progress=gr.Progress()):
    progress(0, desc="starting")
    total = 0
    for i in range(int(steps)):
        progress((i + 1, int(steps)), desc="counting", unit="steps")
        total += i
    return total


def wrapped(steps, progress=gr.Progress()):
    seen = []
    for i in progress.tqdm(range(int(steps)), desc="wrapped"):
        time.sleep(0.01)
        seen.append(i)
    return len(seen)


def tracked(steps, progress=gr.Progress(track_tqdm=True)):
    seen = 0
    for _ in tqdm(range(int(steps)), desc="tracked"):
        time.sleep(0.01)
        seen += 1
    return seen


with gr.Blocks() as demo:
    steps = gr.Number(label="Steps", value=3, precision=0)
    result = gr.Number(label="Result")
    gr.Button("Explicit").click(explicit, steps, result, api_name="explicit")
    gr.Button("Wrapped").click(wrapped, steps, result, api_name="wrapped")
    gr.Button("Tracked").click(tracked, steps, result, api_name="tracked")
    gr.Button("Held progress").click(held_progress, steps, result, api_name="held_progress")
    gr.Button("Held info").click(held_info, steps, result, api_name="held_info")

if __name__ == "__main__":
    demo.launch()
