"""Link types (the kernel's net_device drivers), registered by kind."""
from .base import Link, LINK_TYPES, register_link_type  # noqa: F401
