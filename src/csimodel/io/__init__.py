"""Reading and writing csimodel files (versioned JSON; never pickle)."""

from .modelfile import load_model, save_model

__all__ = ["load_model", "save_model"]
