"""shipyard: containerized pipeline-as-code for Python projects."""

__version__ = "0.1.0"
