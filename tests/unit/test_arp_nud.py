"""ARP resolution and the NUD state machine, two stacks on a pair cable, fake clock."""
from stack.l2 import neigh as nud
from stack.wire.ethernet import mac_to_str

from .lab import A_IP, B_IP, drain, two_hosts


def state(stack, addr=B_IP):
    entry = stack.arp.table.entries.get((stack.links["eth0"].index, addr))
    return entry.state if entry else None


def test_first_packet_waits_for_resolution_and_is_not_lost():
    w = two_hosts()
    a = w["a"]
    session = a.api.ping_open(B_IP, 56)
    a.api.ping_send(session, 1)
    assert state(a) == nud.INCOMPLETE
    assert len(a.arp.table.entries[(a.links["eth0"].index, B_IP)].queue) == 1
    w.settle()
    events = drain(session)
    assert [(e.kind, e.seq) for e in events] == [("reply", 1)]
    assert state(a) == nud.REACHABLE
    assert a.arp.stats.OutRequests == 1 and a.arp.stats.InReplies == 1
    assert w["b"].arp.stats.InRequests == 1 and w["b"].arp.stats.OutReplies == 1
    # b learned a from the request: STALE, then DELAY once it sent the reply
    assert state(w["b"], A_IP) == nud.DELAY
    row = a.api.neigh_list()[0]
    assert row == {"dst": "192.0.2.2", "dev": "eth0",
                   "lladdr": mac_to_str(w["b"].links["eth0"].mac),
                   "used": 0, "confirmed": 0, "updated": 0,    # -s neigh: seconds ago
                   "probes": 4,       # as Linux: INCOMPLETE starts at ucast_probes, one sent
                   "state": ["REACHABLE"]}


def test_reachable_ages_to_stale_then_delay_probe_reachable():
    w = two_hosts()
    a = w["a"]
    session = a.api.ping_open(B_IP, 56)
    a.api.ping_send(session, 1)
    w.settle()
    assert state(a) == nud.REACHABLE
    w.run(a.arp.table.params.base_reachable_time * 1.5 + 1, step=0.5)
    assert state(a) == nud.STALE
    requests_before = a.arp.stats.OutRequests
    a.api.ping_send(session, 2)
    w.settle()
    assert state(a) == nud.DELAY
    w.run(a.arp.table.params.delay_first_probe_time + 0.05)
    # no upper-layer confirmation: a unicast probe went out and its reply made it REACHABLE
    assert a.arp.stats.OutRequests == requests_before + 1
    assert state(a) == nud.REACHABLE


def test_incomplete_fails_after_three_probes_and_reports_host_unreachable():
    w = two_hosts()
    a = w["a"]
    w["b"].api.link_set("eth0", up=False)           # b is gone
    session = a.api.ping_open(B_IP, 56)
    a.api.ping_send(session, 1)
    w.run(2.9)
    assert state(a) == nud.INCOMPLETE
    w.run(0.3)
    assert state(a) == nud.FAILED
    assert a.arp.stats.OutRequests == 3
    assert a.arp.stats.res_failed == 1
    assert a.drop["NEIGH_FAILED"] == 1
    events = drain(session)
    assert [(e.kind, e.seq, e.src, e.message) for e in events] == [
        ("error", 1, "192.0.2.1", "Destination Host Unreachable")]
    assert a.icmp.mib.OutDestUnreachs == 1 and a.icmp.mib.InDestUnreachs == 1


def test_resolution_queue_is_bounded_and_counts_what_it_drops():
    w = two_hosts()
    a = w["a"]
    a.arp.table.params.unres_qlen = 5
    session = a.api.ping_open(B_IP, 56)
    for seq in range(1, 9):
        a.api.ping_send(session, seq)
    assert a.drop["NEIGH_QUEUEFULL"] == 3
    assert a.arp.stats.unresolved_discards == 3
    w.settle()
    assert sorted(e.seq for e in drain(session)) == [4, 5, 6, 7, 8]


def test_table_is_bounded():
    w = two_hosts()
    a = w["a"]
    w["b"].api.link_set("eth0", up=False)
    a.arp.table.params.gc_thresh3 = 4
    for host in range(10, 30):
        a.api.ping_send(a.api.ping_open(bytes([192, 0, 2, host]), 8), 1)
        w.settle()
    assert len(a.arp.table.entries) <= 4
    assert a.arp.stats.table_fulls > 0
    assert a.drop["NEIGH_TABLEFULL"] == a.arp.stats.table_fulls


def test_periodic_gc_removes_failed_entries_from_a_busy_table():
    w = two_hosts()
    a = w["a"]
    w["b"].api.link_set("eth0", up=False)
    a.arp.table.params.gc_thresh1 = 1
    a.api.ping_send(a.api.ping_open(B_IP, 8), 1)
    w.run(4)
    assert state(a) == nud.FAILED
    w.run(a.arp.table.params.gc_interval + 1, step=1.0)
    assert state(a) is None
    assert a.arp.stats.destroys == 1 and a.arp.stats.periodic_gc_runs >= 1


def test_permanent_entry_is_used_without_arp_and_survives_flush():
    w = two_hosts()
    a, b = w["a"], w["b"]
    a.api.neigh_add("eth0", B_IP, b.links["eth0"].mac)
    session = a.api.ping_open(B_IP, 56)
    a.api.ping_send(session, 1)
    w.settle()
    assert [e.kind for e in drain(session)] == ["reply"]
    assert a.arp.stats.OutRequests == 0
    assert a.api.neigh_flush("eth0") == 0
    assert state(a) == nud.PERMANENT
    w.run(120, step=5)
    assert state(a) == nud.PERMANENT
    a.api.neigh_del("eth0", B_IP)
    assert state(a) is None


def test_gratuitous_arp_when_an_address_is_added():
    w = two_hosts()
    b = w["b"]
    before = b.arp.stats.InGratuitous
    w["a"].api.addr_add("eth0", bytes([192, 0, 2, 77]), 24)
    w.settle()
    assert w["a"].arp.stats.OutGratuitous == 2
    assert b.arp.stats.InGratuitous == before + 1


def test_arp_request_for_someone_else_is_not_answered():
    w = two_hosts()
    a, b = w["a"], w["b"]
    b.arp.table.params.mcast_probes = 1
    session = b.api.ping_open(bytes([192, 0, 2, 99]), 8)
    b.api.ping_send(session, 1)
    w.settle()
    assert a.arp.stats.InRequests == 1
    assert a.arp.stats.OutReplies == 0
    assert a.drop["ARP_NOT_FOR_US"] == 1


def test_a_request_from_the_neighbour_does_not_confirm_reachability():
    w = two_hosts()
    a, b = w["a"], w["b"]
    session = a.api.ping_open(B_IP, 56)
    a.api.ping_send(session, 1)
    w.settle()
    entry = a.arp.table.entries[(a.links["eth0"].index, B_IP)]
    confirmed = entry.confirmed
    w.run(6)                       # b's DELAY -> PROBE: a unicast request reaches a
    assert b.arp.stats.OutRequests >= 1
    assert entry.state == nud.REACHABLE and entry.confirmed == confirmed
