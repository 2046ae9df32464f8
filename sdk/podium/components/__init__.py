"""Every component Podium ships. Import them from `podium` (`podium.Textbox`)."""

from podium.components.base import Component, FormComponent
from podium.components.state import State
from podium.components.textbox import Textbox

__all__ = ["Component", "FormComponent", "State", "Textbox"]
