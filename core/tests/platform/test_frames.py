"""Frames are PNG bytes of what an environment renders, and a failing renderer loses only the frame."""

import numpy as np
from rlgpt.frames import png_frame


class Renders:
    def __init__(self, frame):
        self.frame = frame

    def render(self):
        if isinstance(self.frame, Exception):
            raise self.frame
        return self.frame


def test_an_rgb_array_becomes_a_png() -> None:
    png = png_frame(Renders(np.zeros((4, 5, 3), dtype=np.uint8)))
    assert png is not None and png.startswith(b"\x89PNG")


def test_no_image_or_a_failing_renderer_gives_no_frame() -> None:
    assert png_frame(Renders(None)) is None
    assert png_frame(Renders("a text grid")) is None
    assert png_frame(Renders(RuntimeError("EGL: no display"))) is None
