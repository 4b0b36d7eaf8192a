"""Great Expectations 1.x: the suites in ``expectations/`` (suites.py) and running them (runner.py)."""

from orchestration.lib.gx.runner import (
    BLOCKING_SEVERITY,
    ExpectationOutcome,
    SuiteResult,
    run_per_group,
    run_suite,
    warm_up,
)
from orchestration.lib.gx.suites import SUITE_NAMES, build_suite_dicts, build_suites, load_suite_json, suite_path
from orchestration.lib.gx.worker import stop as stop_worker

__all__ = [
    "BLOCKING_SEVERITY",
    "SUITE_NAMES",
    "ExpectationOutcome",
    "SuiteResult",
    "build_suite_dicts",
    "build_suites",
    "load_suite_json",
    "run_per_group",
    "run_suite",
    "stop_worker",
    "suite_path",
    "warm_up",
]
