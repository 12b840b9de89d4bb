"""IPv6 multipath as fib6 does it: the next hop a flow takes is a hash of its addresses, flow
label and next header (rt6_multipath_hash, policy 0), so a flow keeps its path, flows spread
by weight, and a leg whose link is down is skipped."""
from collections import Counter

from stack.clock import FakeClock
from stack.stack import Stack
from stack.wire.ipv6 import NEXTHDR_ICMP, NEXTHDR_UDP, addr_from_str

A6 = addr_from_str


def ecmp_stack() -> Stack:
    stack = Stack(clock=FakeClock())
    api = stack.api
    for a, b in (("v0", "w0"), ("v1", "w1")):
        api.link_add(a, "pair", {"peer": b})
    for dev, address in (("v0", "2001:db8::1"), ("v1", "2001:db8:1::1")):
        api.inet6_conf(dev, addr_gen_mode="none")
        api.link_set(dev, up=True)
        api.addr_add(dev, A6(address), 64, nodad=True)
    api.route_add(A6("2001:db8:50::"), 64, nexthops=[
        {"gateway": A6("2001:db8::2"), "weight": 3}, {"gateway": A6("2001:db8:1::2"), "weight": 1}])
    return stack


def leg(stack, src, proto, flowlabel, dst="2001:db8:50::9"):
    route = stack.ipv6.fib.lookup(A6(dst), None, A6(src) if src else None, None, 0, 0, proto, flowlabel)
    return route.link.name


def test_a_flow_keeps_its_path_and_flows_spread_by_weight():
    stack = ecmp_stack()
    flows = [(f"2001:db8:99::{n:x}", NEXTHDR_UDP, n * 7919 & 0xFFFFF) for n in range(1, 2001)]
    first = [leg(stack, *flow) for flow in flows]
    stack.ipv6.fib.flush_cache()
    assert [leg(stack, *flow) for flow in flows] == first          # the same flow, the same leg
    spread = Counter(first)
    assert 0.70 < spread["v0"] / len(flows) < 0.80                 # weight 3 of 4


def test_the_flow_label_and_the_next_header_are_part_of_the_flow():
    stack = ecmp_stack()
    src = "2001:db8:99::1"
    by_label = {leg(stack, src, NEXTHDR_UDP, label) for label in range(64)}
    by_proto = {leg(stack, src, proto, 0) for proto in range(1, 256)}
    assert by_label == by_proto == {"v0", "v1"}                    # same addresses, both legs used
    by_address_alone = {leg(stack, src, NEXTHDR_ICMP, 5) for _ in range(10)}
    assert len(by_address_alone) == 1


def test_a_leg_whose_link_is_down_is_skipped_and_route_get_names_the_leg_taken():
    stack = ecmp_stack()
    flows = [(f"2001:db8:99::{n:x}", NEXTHDR_UDP, n) for n in range(1, 200)]
    stack.api.link_set("v1", up=False)
    assert {leg(stack, *flow) for flow in flows} == {"v0"}
    row = stack.api.route_get(A6("2001:db8:50::9"))
    assert (row["gateway"], row["dev"]) == ("2001:db8::2", "v0")
