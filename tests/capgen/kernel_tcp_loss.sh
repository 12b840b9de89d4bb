#!/bin/bash
# A bulk TCP transfer from one namespace to another through a sender-side token bucket
# with a two-packet queue: segments dropped before the wire, the receiver's duplicate
# ACKs with SACK, fast retransmissions; captured at the receiver.
set -u
OUT=${1:?usage: $0 OUT.pcap}
S=$$-$RANDOM
A=nshconv-$S-a; B=nshconv-$S-b
cleanup() { kill $SOC 2>/dev/null; kill $TD 2>/dev/null; sleep 0.3; ip netns del $A 2>/dev/null; ip netns del $B 2>/dev/null; }
trap cleanup EXIT
ip netns add $A; ip netns add $B
ip link add va netns $A type veth peer name vb netns $B
ip -n $A addr add 198.51.100.1/24 dev va; ip -n $B addr add 198.51.100.2/24 dev vb
ip -n $A link set va up; ip -n $B link set vb up
ip netns exec $A ethtool -K va tx off rx off tso off gso off gro off >/dev/null 2>&1
ip netns exec $B ethtool -K vb tx off rx off tso off gso off gro off >/dev/null 2>&1
ip netns exec $A tc qdisc add dev va root tbf rate 20mbit burst 4500 limit 4500
ip netns exec $B tcpdump -i vb -w $OUT -U -s 128 2>/dev/null & TD=$!
sleep 1
ip netns exec $B socat -u TCP-LISTEN:9000,bind=198.51.100.2 OPEN:/dev/null & SOC=$!
sleep 0.5
head -c 400000 /dev/zero | ip netns exec $A socat -u STDIN TCP:198.51.100.2:9000
sleep 1
