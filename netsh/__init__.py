"""netsh: a terminal management shell and packet inspector over an embedded userspace stack."""

__version__ = "0.1.0"
