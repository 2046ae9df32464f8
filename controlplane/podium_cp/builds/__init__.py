"""Image builds of Space revisions: the Postgres build queue (`queue`) and the generated Dockerfiles (`dockerfile`).

The engine that runs builds lives in `builds/engine.py`; it claims jobs with `queue.claim_next`, keeps them with
`queue.heartbeat`, streams output with `queue.append_log` and ends them with `queue.finish`.
"""
