"""gr.Progress: explicit calls, progress.tqdm(...) and track_tqdm=True with a real tqdm loop."""

import time

from tqdm import tqdm

import podium as gr


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

if __name__ == "__main__":
    demo.launch()
