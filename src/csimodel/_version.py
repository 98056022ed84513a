"""The package version (one place; imported by the package, the CLI, reports and model files)."""

__version__ = "0.1.0"
