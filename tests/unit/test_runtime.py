"""The runtime thread and its call interface (real clock, in-process links only)."""
import threading

import pytest

from stack.api import UnknownCall
from stack.errors import StackError
from stack.runtime import Runtime, StackProxy
from stack.wire.ipv4 import addr_from_str


def test_calls_run_in_the_stack_thread_and_errors_come_back():
    with Runtime() as runtime:
        names = runtime.call(lambda stack: threading.current_thread().name)
        assert names == "netsh-stack"
        with pytest.raises(StackError, match='Cannot find device "nope"'):
            runtime.call(lambda stack: stack.api.link_list("nope"))
        assert runtime.call(lambda stack: 6 * 7) == 42


def test_proxy_exposes_only_the_api():
    with Runtime() as runtime:
        proxy = StackProxy(runtime)
        assert [row["ifname"] for row in proxy.link_list()] == ["lo"]
        with pytest.raises(UnknownCall, match='the stack has no call named "remove_link"'):
            proxy.remove_link


def test_many_threads_calling_at_once_are_serialised():
    with Runtime() as runtime:
        proxy = StackProxy(runtime)
        errors = []

        def make(i):
            try:
                proxy.link_add_pair(f"a{i}", f"b{i}")
            except Exception as exc:        # collected and asserted below
                errors.append(exc)
        threads = [threading.Thread(target=make, args=(i,)) for i in range(20)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
        assert len(proxy.link_list()) == 41


def test_ping_over_a_pair_with_real_time():
    with Runtime() as runtime:
        proxy = StackProxy(runtime)
        proxy.link_add_pair("a", "b")
        proxy.link_set("a", up=True)
        proxy.link_set("b", up=True)
        proxy.addr_add("a", addr_from_str("192.0.2.1"), 24)
        session = proxy.ping_open(addr_from_str("127.0.0.1"), 56)
        proxy.ping_send(session, 1)
        event = session.replies.get(timeout=2)
        assert (event.kind, event.seq) == ("reply", 1)
        assert event.rtt_ms is not None and event.rtt_ms >= 0


def test_a_stopped_runtime_refuses_calls():
    runtime = Runtime().start()
    runtime.stop()
    with pytest.raises(StackError, match="not running"):
        runtime.call(lambda stack: None)


def test_a_missing_namespace_is_one_clear_error():
    with pytest.raises(StackError, match='Cannot open network namespace "nshtest-none"'):
        Runtime(netns="nshtest-none").start()
