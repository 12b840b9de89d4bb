"""The -V frame line names the interface and direction only when they were recorded (tshark
prints neither for a pcap file; netsh used to print "on interface , outbound")."""
from netsh.inspect import frame_header


def _row(link, direction):
    return {"number": 1, "length": 98, "captured": 60, "epoch": 0.0, "link": link, "direction": direction}


def test_file_frame_without_interface_or_direction():
    first = frame_header(_row("", None)).splitlines()[0]
    assert first == "Frame 1: 98 bytes on wire (784 bits), 60 bytes captured (480 bits)"


def test_live_frame_names_interface_and_direction():
    """In tshark's words for a recorded direction; a live capture has no pcapng interface id
    (a pcapng file's frames: tests/cli/test_pcapng_frame_tshark.py)."""
    first = frame_header(_row("lo", "in")).splitlines()[0]
    assert first.endswith("60 bytes captured (480 bits) on interface lo (inbound)")
    assert frame_header(_row("veth0", "out")).splitlines()[0].endswith("on interface veth0 (outbound)")


def test_arrival_time_line():
    assert frame_header(_row("", None)).splitlines()[1] == "    Arrival Time: Jan  1, 1970 00:00:00.000000000 UTC"
