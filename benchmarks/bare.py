"""Bare pytest for the benchmarks: what the grader's harness gives a hidden suite, as a plugin.

``SHIM`` is written as ``grade_bench_shim.py`` and loaded with ``-p grade_bench_shim``: the
``points`` marker, the ``student`` fixture (``$BENCH_MODULE`` imported from ``$BENCH_SUBMISSION``)
and ``student_helper`` (the helper runs here, without a process boundary). ``TIME_LIMIT`` adds the
grader's per-test limit (10 s, by SIGALRM) for runs where a submission may loop.
"""

from __future__ import annotations

SHIM = """
import importlib, os, sys, types
import pytest

def pytest_configure(config):
    config.addinivalue_line("markers", "points(n, hint=''): points")

@pytest.fixture
def student():
    sys.path.append(os.environ["BENCH_SUBMISSION"])
    return importlib.import_module(os.environ["BENCH_MODULE"])

@pytest.fixture
def student_helper():
    def make(source, name="helper"):
        module = types.ModuleType(f"grader_helper_{name}")
        exec(compile(source, f"<grader helper {name}>", "exec"), module.__dict__)
        return module
    return make
"""

TIME_LIMIT = """
import signal

class Timeout(BaseException):
    pass

def _expire(signum, frame):
    raise Timeout("took longer than 10 s")

@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    signal.signal(signal.SIGALRM, _expire)
    signal.setitimer(signal.ITIMER_REAL, 10)
    try:
        return (yield)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
"""
