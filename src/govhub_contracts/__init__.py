"""Wire models shared by the control plane (govhub) and the data plane (govhub_gateway).

Plain pydantic, no Django: both sides import these and nothing else of each other.
"""
