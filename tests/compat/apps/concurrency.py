"""concurrency_limit and concurrency_id: runs that must overlap, and runs that must never overlap."""

import asyncio
import threading
import time

import podium as gr

# `meet_all` needs four runs in progress at once: concurrency_limit=None means no limit.
quartet = threading.Barrier(4, timeout=30)

# Both runs of `meet` must be in progress at once for either to finish: with concurrency_limit=2 they
# meet at the barrier; a server that ran them one at a time would break it (after 30 s) instead.
pair = threading.Barrier(2, timeout=30)

async_active = 0
async_both_in = asyncio.Event()

release = threading.Event()  # `wait_for_release` runs until a test sets it

group_lock = threading.Lock()
group_active = 0
group_max_active = 0

solo_lock = threading.Lock()
solo_active = 0
solo_max_active = 0


def meet(name):
    pair.wait()
    return f"met {name}"


def meet_all(name):
    quartet.wait()
    return f"all met {name}"


async def meet_async(name):
    global async_active
    async_active += 1
    try:
        if async_active >= 2:
            async_both_in.set()
        await asyncio.wait_for(async_both_in.wait(), timeout=30)
        return f"met async {name}"
    finally:
        async_active -= 1


def _one_at_a_time(tag, name):
    global group_active, group_max_active
    with group_lock:
        group_active += 1
        group_max_active = max(group_max_active, group_active)
    time.sleep(0.05)
    with group_lock:
        group_active -= 1
    return f"{tag} {name}"


def wait_for_release(name):
    release.wait(60)
    return f"released {name}"


def solo(name):
    global solo_active, solo_max_active
    with solo_lock:
        solo_active += 1
        solo_max_active = max(solo_max_active, solo_active)
    time.sleep(0.05)
    with solo_lock:
        solo_active -= 1
    return f"solo {name}"


def first_in_group(name):
    return _one_at_a_time("first", name)


def second_in_group(name):
    return _one_at_a_time("second", name)


with gr.Blocks() as demo:
    name = gr.Textbox(label="Name")
    out = gr.Textbox(label="Out")
    go = gr.Button("Go")
    go.click(meet, name, out, concurrency_limit=2, api_name="meet")
    go.click(meet_async, name, out, concurrency_limit=2, api_name="meet_async")
    go.click(meet_all, name, out, concurrency_limit=None, api_name="meet_all")
    go.click(solo, name, out, api_name="solo")  # the default concurrency_limit: 1
    go.click(wait_for_release, name, out, concurrency_limit=None, api_name="wait_for_release")
    go.click(first_in_group, name, out, concurrency_limit=1, concurrency_id="shared", api_name="first_in_group")
    go.click(second_in_group, name, out, concurrency_limit=1, concurrency_id="shared", api_name="second_in_group")

if __name__ == "__main__":
    demo.launch()
