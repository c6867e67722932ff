"""The form renderer: form definitions (``forms/*.yaml``) drawn as Qt forms."""

from .renderer import FormView
from .values import display_values

__all__ = ["FormView", "display_values"]
