"""Podium: turn Python functions into web apps and APIs. `import podium as gr` runs Gradio apps.

Names are loaded on first use so that `import podium` stays fast; see `_EXPORTS` for where each lives.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS: dict[str, str] = {
    # app model
    "Blocks": "podium.blocks",
    "Interface": "podium.interface",
    "TabbedInterface": "podium.interface",
    # layouts
    "Row": "podium.layouts",
    "Column": "podium.layouts",
    "Tab": "podium.layouts",
    "TabItem": "podium.layouts",
    "Tabs": "podium.layouts",
    "Accordion": "podium.layouts",
    "Group": "podium.layouts",
    # events
    "on": "podium.events",
    "EventData": "podium.events",
    "SelectData": "podium.events",
    "KeyUpData": "podium.events",
    "Dependency": "podium.dependencies",
    "update": "podium.updates",
    "Error": "podium.exceptions",
    "Info": "podium.exceptions",
    "Warning": "podium.exceptions",
    "Success": "podium.exceptions",
    "Progress": "podium.progress",
    "Request": "podium.request",
    # components
    "Component": "podium.components.base",
    "FormComponent": "podium.components.base",
    "State": "podium.components.state",
    "Textbox": "podium.components.textbox",
    "Number": "podium.components.number",
    "Slider": "podium.components.slider",
    "Checkbox": "podium.components.checkbox",
    "CheckboxGroup": "podium.components.checkbox_group",
    "Radio": "podium.components.radio",
    "Dropdown": "podium.components.dropdown",
    "Button": "podium.components.button",
    "ClearButton": "podium.components.clear_button",
    "UploadButton": "podium.components.upload_button",
    "DownloadButton": "podium.components.download_button",
    "DeepLinkButton": "podium.components.deep_link_button",
    "Chatbot": "podium.components.chatbot",
    "ChatMessage": "podium.components.chatbot",
    "Markdown": "podium.components.markdown",
    "HTML": "podium.components.html",
    "JSON": "podium.components.json_component",
    "Label": "podium.components.label",
    "Code": "podium.components.code",
    "ColorPicker": "podium.components.color_picker",
    "File": "podium.components.file",
    # files
    "FileData": "podium.files.filedata",
    # serving
    "mount_gradio_app": "podium.server.mount",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module_name = _EXPORTS.get(name)
    if module_name is None:
        raise AttributeError(f"module 'podium' has no attribute {name!r}")
    value = getattr(importlib.import_module(module_name), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])


if TYPE_CHECKING:
    from podium.blocks import Blocks as Blocks
    from podium.components.base import Component as Component
    from podium.components.state import State as State
    from podium.components.textbox import Textbox as Textbox
    from podium.events import EventData as EventData
    from podium.events import SelectData as SelectData
    from podium.events import on as on
    from podium.exceptions import Error as Error
    from podium.exceptions import Info as Info
    from podium.exceptions import Warning as Warning  # noqa: A004
    from podium.layouts import Accordion as Accordion
    from podium.layouts import Column as Column
    from podium.layouts import Group as Group
    from podium.layouts import Row as Row
    from podium.layouts import Tab as Tab
    from podium.layouts import Tabs as Tabs
    from podium.updates import update as update
