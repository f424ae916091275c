"""Frames of evaluation states: which environments render them, and their PNG bytes."""

from __future__ import annotations

import io
from typing import Any

import numpy as np
from matplotlib import image

RGB_ARRAY = "rgb_array"


def renders_rgb(env: Any) -> bool:
    """Whether ``env`` lists ``rgb_array`` among its ``metadata["render_modes"]``."""
    return RGB_ARRAY in getattr(env, "metadata", {}).get("render_modes", ())


def png_frame(env: Any) -> bytes | None:
    """``env.render()`` as PNG bytes; ``None`` when it gives no ``H x W x 3`` (or ``x 4``) array.

    A renderer that fails (no EGL or display on this machine, a plugin's rendering bug) costs
    the frame, never the evaluation: that is ``None`` too.
    """
    try:
        frame = env.render()
    except Exception:  # any rendering failure only loses the picture
        return None
    if not isinstance(frame, np.ndarray) or frame.ndim != 3 or frame.shape[2] not in (3, 4):
        return None
    buffer = io.BytesIO()
    image.imsave(buffer, frame, format="png")
    return buffer.getvalue()
