"""``netsh demo [tui]``: a lab of namespaces, the stack driving it, and the shell or the
dashboard (needs root).

The lab (netsh/lab.py) gives the stack its own namespace with one veth per
Linux host; here the stack attaches each, takes the hosts' gateway address,
and the hosts ping it every second while the user looks around.  Leaving the
shell stops the stack and removes the lab.  `register` declares the ``demo`` command.
"""
from __future__ import annotations

from typing import TextIO

from netsh.errors import CommandError
from netsh.faces import launches_face
from netsh.grammar import Node, flag, leaf
from netsh.options import Options
from netsh.render import Result


def banner(lab) -> str:
    links = ", ".join(f"{h.stack_dev} ({h.stack_address}/{h.prefixlen}, {h.stack_address6}/64)"
                      for h in lab.hosts)
    hosts = " and ".join(f"{h.name} ({h.address}, {h.address6})" for h in lab.hosts)
    first = lab.hosts[0].address
    return (f"netsh demo: the stack runs in namespace {lab.stack_ns} on {links};\n"
            f"Linux hosts {hosts} ping it every second.\n"
            f"Try:  link show   -s link   neigh   stats Icmp   ping -c 3 {first}\n"
            f"      capture start   capture show   capture show -V -x last 1   "
            f"trace add count 2   trace show\n"
            f"      route show   route get {lab.hosts[-1].address}   traceroute -n {first}   "
            f"sysctl net.ipv4.ip_forward\n"
            f"      the hosts reach each other through the stack, IPv4 and IPv6: "
            f"ip netns exec {lab.hosts[0].ns} traceroute -n {lab.hosts[-1].address}\n"
            f"      ping -6 -c 2 {lab.hosts[-1].address6}   "
            f"ip netns exec {lab.hosts[0].ns} traceroute -6 -n {lab.hosts[-1].address6}\n"
            f"      tui   (the dashboard: counters, packets, a command line; q comes back here)\n"
            f"\"exit\" or Ctrl-D stops the stack and removes the lab.")


def run_demo(options: Options, out: TextIO, err: TextIO, grammar, dashboard: bool = False) -> int:
    from netsh.executor import Executor
    from netsh.lab import Lab
    from netsh.shell import run_shell
    from stack.runtime import Runtime

    try:
        lab = Lab().up()
    except PermissionError as exc:
        raise CommandError(f"demo: {exc}") from None
    try:
        runtime = Runtime(netns=lab.stack_ns).start()
        try:
            executor = Executor(runtime, options, out, err, grammar=grammar)
            for line in lab.setup_lines():
                if executor.run_line(line) != 0:
                    raise CommandError(f'demo: setting up failed at "{line}"')
            lab.ping_stack(interval=1.0)
            if dashboard:
                from netsh.tui.app import run
                run(executor)
            else:
                run_shell(executor, banner=banner(lab))
        finally:
            runtime.stop()
    finally:
        lab.down()
    return 0


def demo(ctx, args):
    return Result("none", None, run_demo(ctx.options, ctx.out, ctx.err, ctx.executor.grammar,
                                         dashboard=bool(args["tui"])))


def register(root: Node) -> None:
    launches_face(leaf(root, ("demo",), [flag("tui", help="open the dashboard instead of the shell")],
                       "build a lab, drive it from the stack and open the shell (root)",
                       demo, stateless=True))
