"""A short, seeded fuzz run of every target in the normal suite (make fuzz runs them longer)."""
import pytest

from .harness import Target, run
from .targets import TARGETS

SECONDS = 2
SEED = 20261204


@pytest.mark.parametrize("name", sorted(TARGETS))
def test_target_holds_under_mutation(name, tmp_path):
    target = TARGETS[name]
    assert target.seeds(), f"{name} has no seeds"
    report = run(target, SECONDS, SEED, tmp_path)
    assert report.executions > 100
    assert not report.crashes, report.crashes[0].with_suffix(".txt").read_text()


def test_a_crash_is_saved_with_its_seed_and_reproduces(tmp_path):
    def check(data):
        assert b"\xff" not in data

    report = run(Target("toy", check, lambda: [b"abc"]), 5, 7, tmp_path, max_executions=2000)
    assert report.crashes and report.crashes[0].name.startswith("toy-seed7-")
    assert b"\xff" in report.crashes[0].read_bytes()
    assert "AssertionError" in report.crashes[0].with_suffix(".txt").read_text()
