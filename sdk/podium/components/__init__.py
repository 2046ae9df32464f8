"""Every component Podium ships. Import them from `podium` (`podium.Textbox`)."""

from podium.components.base import Component, FormComponent
from podium.components.button import Button
from podium.components.chatbot import Chatbot
from podium.components.checkbox import Checkbox
from podium.components.checkbox_group import CheckboxGroup
from podium.components.clear_button import ClearButton
from podium.components.code import Code
from podium.components.color_picker import ColorPicker
from podium.components.deep_link_button import DeepLinkButton
from podium.components.download_button import DownloadButton
from podium.components.dropdown import Dropdown
from podium.components.file import File
from podium.components.html import HTML
from podium.components.json_component import JSON
from podium.components.label import Label
from podium.components.markdown import Markdown
from podium.components.number import Number
from podium.components.radio import Radio
from podium.components.slider import Slider
from podium.components.state import State
from podium.components.textbox import Textbox
from podium.components.upload_button import UploadButton

__all__ = [
    "HTML",
    "JSON",
    "Button",
    "Chatbot",
    "Checkbox",
    "CheckboxGroup",
    "ClearButton",
    "Code",
    "ColorPicker",
    "Component",
    "DeepLinkButton",
    "DownloadButton",
    "Dropdown",
    "File",
    "FormComponent",
    "Label",
    "Markdown",
    "Number",
    "Radio",
    "Slider",
    "State",
    "Textbox",
    "UploadButton",
]
