#!/bin/bash
# Linux pinging Linux with 3000-byte echoes over IPv4 and IPv6 (both ways in fragments),
# between two namespaces, captured with tcpdump in one of them.
set -u
OUT=${1:?usage: $0 OUT.pcap}
S=$$-$RANDOM
A=nshfrag-$S-a; B=nshfrag-$S-b
cleanup() { kill $TD 2>/dev/null; sleep 0.3; ip netns del $A 2>/dev/null; ip netns del $B 2>/dev/null; }
trap cleanup EXIT
ip netns add $A; ip netns add $B
ip link add va netns $A type veth peer name vb netns $B
ip -n $A addr add 192.0.2.10/24 dev va; ip -n $B addr add 192.0.2.20/24 dev vb
ip -n $A addr add 2001:db8::10/64 dev va nodad; ip -n $B addr add 2001:db8::20/64 dev vb nodad
ip -n $A link set va up; ip -n $B link set vb up
ip netns exec $A tcpdump -i va -w $OUT -U -s 0 2>/dev/null & TD=$!
sleep 1
ip netns exec $A ping -c 2 -i 0.2 -s 3000 192.0.2.20 >/dev/null
ip netns exec $A ping -6 -c 2 -i 0.2 -s 3000 2001:db8::20 >/dev/null
sleep 2
