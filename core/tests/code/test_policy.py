"""The AST allow-list: what it refuses, how it says so, and what it lets through."""

from __future__ import annotations

import pytest
from rlgpt.code import DEFAULT_ALLOWED_MODULES, CodeRejected, check_policy


def _rejection(source: str, **kwargs) -> CodeRejected:
    with pytest.raises(CodeRejected) as err:
        check_policy(source, **kwargs)
    return err.value


TRY = "def f():\n    try:\n        pass\n"
CASES = [
    ("import os", 1, "forbidden_import", "`import os` is not allowed"),
    ("import subprocess as sp", 1, "forbidden_import", "`import subprocess as sp`"),
    ("from os import path", 1, "forbidden_import", "`from os import path`"),
    ("import collections.abc", 1, "forbidden_import", "collections.abc"),
    ("from math import *", 1, "forbidden_import", "star imports"),
    ("from . import x", 1, "forbidden_import", "relative imports"),
    ("from random import _urandom", 1, "dunder_access", "private names"),
    ("def f():\n    return open('/etc/passwd').read()", 2, "forbidden_name", "`open`"),
    ("def f():\n    return eval('1+1')", 2, "forbidden_name", "`eval`"),
    ("def f():\n    exec('x=1')", 2, "forbidden_name", "`exec`"),
    ("def f():\n    return __import__('os')", 2, "forbidden_name", "`__import__`"),
    ("def f():\n    return globals()", 2, "forbidden_name", "`globals`"),
    ("def f(x):\n    return type(x)", 2, "forbidden_name", "isinstance"),
    ("def f():\n    return ().__class__.__bases__[0].__subclasses__()", 2, "dunder_access", "`.__class__`"),
    ("def f(x):\n    return getattr(x, '__globals__')", 2, "forbidden_name", "`getattr`"),
    ("def f(x):\n    return x['__builtins__']", 2, "dunder_access", "'__builtins__'"),
    ("def f(api):\n    return api._actuator.step", 2, "dunder_access", "`._actuator`"),
    ("def f(__builtins__):\n    return 1", 1, "dunder_access", "`__builtins__`"),
    ("def f():\n    g = (i for i in [])\n    return g.gi_frame.f_back", 3, "forbidden_name", "`.gi_frame`"),
    ("def f(x):\n    return '{0.y}'.format(x)", 2, "forbidden_name", "f-string"),
    (TRY + "    except:\n        pass", 4, "forbidden_statement", "bare `except:`"),
    (TRY + "    except BaseException:\n        pass", 4, "forbidden_statement", "`BaseException`"),
    (TRY + "    except (ValueError, KeyboardInterrupt):\n        pass", 4, "forbidden_statement",
     "`KeyboardInterrupt`"),
    (TRY + "    finally:\n        pass", 5, "forbidden_statement", "`finally`"),
    ("X = 1\ndef f():\n    global X\n    X = 2", 3, "forbidden_statement", "`global`"),
    ("def f():\n    x = 1\n    def g():\n        nonlocal x\n    return g", 4, "forbidden_statement",
     "`nonlocal`"),
    ("def f():\n    with x:\n        pass", 2, "forbidden_statement", "`with`"),
    ("def f():\n    class A:\n        pass", 2, "forbidden_statement", "`class A`"),
    ("def f():\n    yield 1", 2, "forbidden_statement", "`yield`"),
    ("async def f():\n    pass", 1, "forbidden_statement", "`async def f`"),
    ("import math\ndef f():\n    math.pi = 3", 3, "forbidden_statement", "`math.pi`"),
    ("def f(api):\n    del api.act", 2, "forbidden_statement", "`api.act`"),
]  # fmt: skip


@pytest.mark.parametrize(("source", "line", "reason", "fragment"), CASES)
def test_rejections_name_the_line_and_the_fix(source, line, reason, fragment):
    error = _rejection(source)
    assert error.reason == reason
    assert fragment in error.message
    assert error.line == line
    assert error.message.startswith(f"line {line}: ")


def test_import_message_lists_the_allowed_modules():
    error = _rejection("import os")
    assert error.message == (
        "line 1: `import os` is not allowed; only these modules may be imported: "
        "math, random, itertools, collections, heapq, functools"
    )


def test_every_violation_is_listed_first_one_decides_the_reason():
    error = _rejection("import os\ndef f(x):\n    return eval(x._y)\n")
    assert error.reason == "forbidden_import"
    lines = error.message.splitlines()
    assert [line.split(":")[0] for line in lines] == ["line 1", "line 3", "line 3"]


def test_a_realistic_program_passes():
    source = """
import math
import random
import heapq
from collections import deque, Counter
from itertools import product
from functools import lru_cache

STEPS = 10

def nearest(points, origin=(0, 0)):
    best = []
    for p in points:
        heapq.heappush(best, (math.dist(p, origin), p))
    return best[0][1] if best else None

def act(api):
    seen = Counter()
    queue = deque([(0, 0)])
    cache = lru_cache(maxsize=None)(lambda n: n * 2)
    moves = [m for m in product([-1, 0, 1], repeat=2) if m != (0, 0)]
    for step in range(STEPS):
        try:
            target = nearest(list(queue))
        except Exception as error:
            print(f"failed: {error}")
            return False
        seen[target] += cache(step)
        if api.episode_over:
            break
        api.move(random.choice(moves))
    return True
"""
    check_policy(source)


def test_allowed_names_and_modules_can_be_widened_explicitly():
    check_policy("def f(x):\n    return type(x)", allowed_names=["type"])
    check_policy("import statistics", allowed_modules=(*DEFAULT_ALLOWED_MODULES, "statistics"))
    with pytest.raises(CodeRejected):
        check_policy("import math", allowed_modules=("random",))
