"""Furniture assembly with a Franka arm on MuJoCo, as an rlgpt environment plugin."""
