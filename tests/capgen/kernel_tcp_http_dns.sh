#!/bin/bash
# Kernel TCP/UDP/ICMP traffic between two namespaces, captured with tcpdump in one of them.
set -u
OUT=${1:?usage: $0 OUT.pcap}
S=$$-$RANDOM
A=nshconv-$S-a; B=nshconv-$S-b
cleanup() { kill $SRV $DNSS $SOC 2>/dev/null; kill $TD 2>/dev/null; sleep 0.3; ip netns del $A 2>/dev/null; ip netns del $B 2>/dev/null; }
trap cleanup EXIT
ip netns add $A; ip netns add $B
ip link add va netns $A type veth peer name vb netns $B
ip -n $A addr add 192.0.2.10/24 dev va; ip -n $B addr add 192.0.2.20/24 dev vb
ip -n $A addr add 2001:db8::10/64 dev va nodad; ip -n $B addr add 2001:db8::20/64 dev vb nodad
ip -n $A link set va up; ip -n $B link set vb up; ip -n $A link set lo up; ip -n $B link set lo up
for n in $A $B; do ip netns exec $n ethtool -K $( [ $n = $A ] && echo va || echo vb ) tx off rx off tso off gso off gro off >/dev/null 2>&1; done
ip netns exec $A tcpdump -i va -w $OUT -U -s 0 2>/dev/null & TD=$!
sleep 1
ip netns exec $B python3 -m http.server 8080 --bind 192.0.2.20 --directory "$(dirname "$0")"/../../docs >/dev/null 2>&1 & SRV=$!
ip netns exec $B python3 "$(dirname "$0")"/dnsserver.py 192.0.2.20 >/dev/null 2>&1 & DNSS=$!
sleep 1
ip netns exec $A ping -c 2 -i 0.2 192.0.2.20 >/dev/null
ip netns exec $A ping -6 -c 2 -i 0.2 2001:db8::20 >/dev/null
ip netns exec $A curl -s -o /dev/null -A netsh-test/1.0 http://192.0.2.20:8080/serve.md
ip netns exec $A curl -s -o /dev/null http://192.0.2.20:8080/nope http://192.0.2.20:8080/
ip netns exec $A python3 "$(dirname "$0")"/dnsclient.py 192.0.2.20
# a bulk transfer into a slow reader (small receive buffer, a late start): window full, zero window, keep-alives
ip netns exec $B socat -u TCP-LISTEN:9000,bind=192.0.2.20,rcvbuf=4096 SYSTEM:'sleep 1; cat >/dev/null' & SOC=$!
sleep 0.5
head -c 80000 /dev/urandom | ip netns exec $A socat -u STDIN TCP:192.0.2.20:9000,sndbuf=65536
sleep 1.5
sleep 0.5
