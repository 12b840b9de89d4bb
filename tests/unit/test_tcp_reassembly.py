"""The assembler of stack/wire/analysis/reassembly.py on its own: messages cut from a byte
stream that arrives in pieces, out of order, twice, or too large; and HTTP message lengths."""
import struct

from stack.wire import http
from stack.wire.analysis.reassembly import Assembler, Budget, app_for, dissect_pdu, segments_label

ISN = 0xFFFFFFF0            # so the sequence numbers wrap in the middle


def dns_message(ident: int) -> bytes:
    query = struct.pack("!HHHHHH", ident, 0x0100, 1, 0, 0, 0) + b"\x03www\x04test\x00" + struct.pack("!HH", 1, 1)
    return struct.pack("!H", len(query)) + query


def test_a_dns_message_in_three_segments_ends_on_the_third():
    stream = dns_message(0x1234)
    a = Assembler("dns")
    assert a.feed(1, ISN, b"", True, False) == ([], False)                 # the SYN
    assert a.feed(2, ISN + 1, stream[:1], False, False) == ([], True)
    assert a.feed(3, (ISN + 2) & 0xFFFFFFFF, stream[1:10], False, False) == ([], True)
    done, pending = a.feed(4, (ISN + 11) & 0xFFFFFFFF, stream[10:], False, False)
    assert not pending and len(done) == 1
    pdu = done[0]
    assert pdu.data == stream and pdu.pieces == [(2, 1), (3, 9), (4, len(stream) - 10)]
    assert segments_label(pdu) == f"[3 Reassembled TCP Segments ({len(stream)} bytes): #2(1), #3(9), #4({len(stream) - 10})]"
    d = dissect_pdu(pdu)
    assert [layer.name for layer in d.layers] == ["dns"] and "0x1234" in d.info


def test_out_of_order_and_retransmitted_segments_give_each_byte_once():
    stream = dns_message(1) + dns_message(2)
    a = Assembler("dns")
    a.feed(1, 100, b"", True, False)
    assert a.feed(2, 111, stream[10:], False, False) == ([], False)          # after a gap: held back
    done, _ = a.feed(3, 101, stream[:10], False, False)                      # the gap fills
    assert [p.data for p in done] == [dns_message(1), dns_message(2)]
    assert a.feed(4, 101, stream[:10], False, False) == ([], False)           # a retransmission
    assert a.budget.used == 0


def test_two_messages_in_one_segment_and_one_left_open():
    stream = dns_message(1) + dns_message(2) + dns_message(3)[:5]
    a = Assembler("dns")
    done, pending = a.feed(7, 5000, stream, False, False)
    assert [p.pieces for p in done] == [[(7, len(dns_message(1)))], [(7, len(dns_message(2)))]]
    assert pending


def test_http_lengths():
    head = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n"
    assert http.message_length(head + b"abc") is None
    assert http.message_length(head + b"abcdeGET") == len(head) + 5
    chunked = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"
    assert http.message_length(chunked[:-3]) is None and http.message_length(chunked) == len(chunked)
    assert http.message_length(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n") == 27
    assert http.message_length(b"HTTP/1.0 200 OK\r\n\r\nbody") is None                  # until the close
    assert http.message_length(b"HTTP/1.0 200 OK\r\n\r\nbody", closing=True) == 23
    assert http.message_length(b"HTTP/1.1 304 Not Modified\r\n\r\n") == 29


def test_an_http_response_until_the_fin():
    a = Assembler("http")
    assert a.feed(1, 1, b"HTTP/1.0 200 OK\r\n\r\nhello", False, False) == ([], True)
    done, pending = a.feed(2, 25, b"", False, True)
    assert [p.data for p in done] == [b"HTTP/1.0 200 OK\r\n\r\nhello"] and not pending


def test_a_stream_that_is_not_http_is_left_alone():
    a = Assembler("http")
    assert a.feed(1, 1, b"\x16\x03\x01 not http at all", False, False) == ([], False)
    assert a.broken and a.budget.used == 0


def test_the_budget_bounds_what_all_directions_hold():
    budget = Budget(limit=3000)
    first, second = Assembler("http", budget), Assembler("http", budget)
    assert first.feed(1, 1, b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n" + b"x" * 1000, False, False)[1]
    assert budget.used > 1000
    second.feed(2, 1, b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n" + b"y" * 2500, False, False)
    assert second.broken and budget.used <= budget.limit
    first.release()
    assert budget.used == 0


def test_ports_choose_the_dissector():
    assert app_for(53, 40000) == "dns" and app_for(40000, 8080) == "http" and app_for(80, 53) == "dns"
    assert app_for(443, 40000) is None
