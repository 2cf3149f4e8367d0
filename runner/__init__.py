"""grade: an auto-grader for a Python back-end roadmap.

The core is a library; :mod:`runner.cli` is the only module that prints. The pipeline's stages:
:mod:`runner.exercise` (load), :mod:`runner.submission` (collect), :mod:`runner.sandbox` (run),
:mod:`runner.harness` (inside the sandbox), :mod:`runner.score` (score), :mod:`runner.render`
(reports), tied together by :mod:`runner.grading`.
"""

from __future__ import annotations

__version__ = "0.1.0"
