"""govhub_sandbox: simulated upstream systems (national e-ID, ministry databases, land
registry, market prices) speaking their real protocols, for the demo and the tests only.
Simulators arrive with the issues that need them (single sign-on, integration hub).
"""
