"""A small stdlib HTTP service: shipyard's target for gates that must fail."""

__version__ = "0.1.0"
