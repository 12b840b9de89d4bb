"""Errors the stack reports to whoever called it."""


class StackError(Exception):
    """A request the stack refuses; the message is one line a user can act on."""


class NetlinkError(StackError):
    """A refusal the kernel answers through netlink: iproute2 prints it and exits 2."""

    status = 2


# The errno texts `ip` prints after "RTNETLINK answers: ".
ERRNO_TEXT = {
    "EEXIST": "File exists", "ESRCH": "No such process", "ENOENT": "No such file or directory",
    "ENETUNREACH": "Network is unreachable", "EHOSTUNREACH": "No route to host",
    "EACCES": "Permission denied", "EINVAL": "Invalid argument", "ENETDOWN": "Network is down",
    "ENODEV": "No such device", "ERANGE": "Numerical result out of range",
}


def rtnetlink(errno_name: str) -> NetlinkError:
    """``RTNETLINK answers: File exists``: an error the kernel gives without a message."""
    return NetlinkError(f"RTNETLINK answers: {ERRNO_TEXT[errno_name]}")
