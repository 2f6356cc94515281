"""Credentials and ids the rotor-cloudsim tests share (fake values, made for the simulator)."""
AK = "SIMTESTAK"
SK = "sim-test-secret-key"
PROJECT = "0123456789abcdef0123456789abcdef"
