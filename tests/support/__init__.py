"""Helpers the Python tests share: starting the simulator, Redis, rotor, and kubectl."""
