"""The ``netsh`` program: global options, then a batch, one command, or the shell.

    netsh [ OPTIONS ] OBJECT COMMAND ...      one command (one-shot)
    netsh [ OPTIONS ] -b FILE [ -force ] [ -i ]
    netsh [ OPTIONS ]                         the interactive shell
    netsh -n NAME [ ... ]                     any of those, on the stack `netsh serve` hosts as NAME

Commands that need no stack (help, completion, lab down) run without one;
everything else starts an embedded stack (inside -netns NS if given) and stops
it on the way out, or, with -n NAME, goes to the served stack (netsh/attach.py).
"""
from __future__ import annotations

import os
import signal
import sys
import threading
from functools import partial
from typing import Sequence

from netsh import __version__
from netsh.app import GRAMMAR
from netsh.attach import with_attached
from netsh.errors import EXIT_FAIL, EXIT_INTERNAL, EXIT_INTERRUPTED, EXIT_OK
from netsh.executor import Executor, debugging
from netsh.grammar import ParseError
from netsh.options import OptionError, Options, parse_options
from stack.errors import StackError


def _terminate(signum, frame):
    # Unwind like Ctrl-C does, so every `finally` runs: the stack thread stops
    # and closes its pcap handles, a lab removes its namespaces.
    raise SystemExit(128 + signum)


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["__complete"]:          # the shell scripts asking what Tab offers
        from netsh.complete_entry import main as complete_main
        return complete_main(argv[1:])
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, _terminate)
    try:
        options, words = parse_options(argv)
    except OptionError as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return EXIT_FAIL
    if options.version:
        print(f"netsh utility, netsh-{__version__}")
        return EXIT_OK
    try:
        return run(options, ["help"] if options.help else words)
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except BrokenPipeError:              # `netsh completion bash | head`
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_FAIL
    except Exception as exc:
        if debugging():
            raise
        print(f"Error: internal: {type(exc).__name__}: {exc}", file=sys.stderr)
        return EXIT_INTERNAL


def run(options: Options, words: list[str]) -> int:
    session = with_stack
    if options.name is not None:
        session = partial(with_attached, grammar=GRAMMAR)
    if options.batch is not None:
        if words:
            print(f'Error: unexpected "{words[0]}": -batch takes its commands from the file',
                  file=sys.stderr)
            return EXIT_FAIL
        return session(options, batch)
    if words:
        if options.name is not None:       # stateless commands run here, the rest over there
            return session(options, lambda executor: executor.run_tokens(words), connect=False)
        if needs_no_stack(words):
            return Executor(None, options, grammar=GRAMMAR).run_tokens(words)
        return with_stack(options, lambda executor: executor.run_tokens(words))
    if not sys.stdin.isatty():          # `printf 'link show\n' | netsh`: a batch, as -b -
        options.batch = "-"
        return session(options, batch)
    return session(options, shell)


def needs_no_stack(words: list[str]) -> bool:
    """True for stateless commands, and for lines the grammar refuses anyway."""
    try:
        _, rest = parse_options(words[1:] if words[:1] == ["ip"] else words)
        return GRAMMAR.parse(rest).command.stateless
    except (OptionError, ParseError):
        return True


def with_stack(options: Options, body) -> int:
    """Start the embedded stack, run body(executor), stop the stack."""
    from stack.runtime import Runtime
    try:
        runtime = Runtime(netns=options.netns).start()
    except StackError as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return EXIT_FAIL
    try:
        return body(Executor(runtime, options, grammar=GRAMMAR))
    finally:
        runtime.stop()


def batch(executor: Executor) -> int:
    from netsh.batch import run_batch
    options = executor.options
    status = run_batch(executor, options.batch, force=options.force)
    if options.interactive and not executor.exit_requested:
        return shell(executor) or status
    return status


def shell(executor: Executor) -> int:
    from netsh.shell import run_shell
    status = run_shell(executor)
    return status if isinstance(status, int) else EXIT_OK
