"""One target under atheris (coverage-guided): python -m tests.fuzz.atheris_run NAME CORPUS_DIR
[libFuzzer flags]. libFuzzer saves a crashing input under -artifact_prefix and exits non-zero."""
import sys

import atheris

with atheris.instrument_imports():
    import netsh.batch  # noqa: F401
    import netsh.protocol  # noqa: F401
    import stack.capfile  # noqa: F401
    import stack.wire.dissect  # noqa: F401
    import stack.wire.skim  # noqa: F401

from tests.fuzz.targets import TARGETS  # noqa: E402

if __name__ == "__main__":
    target = TARGETS[sys.argv[1]]
    atheris.Setup([sys.argv[0], *sys.argv[2:]], target.check)
    atheris.Fuzz()
