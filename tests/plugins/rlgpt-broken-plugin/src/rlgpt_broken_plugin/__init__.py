"""A plugin that fails on import, so the core's broken-plugin reporting can be tested."""

raise RuntimeError("rlgpt-broken-plugin fails on import on purpose")
