"""govhub: the control plane of a province's digital-government platform."""

__version__ = "0.1.0"
