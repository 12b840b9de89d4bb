"""Test peers that come from Debian packages: present, or a skip that CI turns into a failure."""
import os
import shutil

import pytest

CI = os.environ.get("NETSH_CI") == "1"


def need(tool: str) -> str:
    """The path of `tool`; skip without it, but fail under NETSH_CI=1 (make deps installs it)."""
    path = shutil.which(tool)
    if path:
        return path
    if CI:
        pytest.fail(f"{tool} is not installed; under NETSH_CI=1 this must not be skipped (make deps)")
    pytest.skip(f"{tool} is not installed")
