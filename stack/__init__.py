"""netsh's userspace TCP/IP stack, modelled on the Linux kernel's network framework.

No UI imports here: faces (netsh/) import the stack, never the reverse.
"""
