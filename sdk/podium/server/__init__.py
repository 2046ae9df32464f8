"""The app server: Starlette routes for Gradio's wire protocol, run by uvicorn (see `launch.py`).

Nothing here is imported by `import podium`; `Blocks.launch()` imports it.
"""
