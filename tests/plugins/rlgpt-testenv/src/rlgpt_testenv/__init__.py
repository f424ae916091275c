"""Gridcraft: a tiny crafting grid world for the rlgpt core's own tests."""
