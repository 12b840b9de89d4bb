"""The names a display filter may use, their types, and where their values come from.

A name is a protocol (a layer our dissectors make: ``tcp``, ``dns``), a field the
dissectors give (named as tshark names it: ``tcp.srcport``), a field made here from
others as tshark generates it (``ip.addr`` from ``ip.src`` and ``ip.dst``), or a frame
field (``frame.len``, our ``frame.interface_name`` and ``frame.direction``, with the
short forms ``link`` and ``dir``).

Each field has a type, as Wireshark's (FT_UINT*, FT_IPv4, ...), which decides how a
literal beside it is read and how its values compare.  Types of the fields whose
header definitions (`F`) live in stack/wire are found there; the rest are listed
below.  tests/unit/test_dfilter_fields.py checks that every field the dissectors
make on the test captures is known here, and that the types agree with tshark's.
"""
from __future__ import annotations

import socket
from dataclasses import dataclass
from typing import Callable

from stack.capfile import epb_flags
from stack.wire import dhcp_options, ethernet, ipv4, mptcp, tcp, udp
from stack.wire import protocols as wire_protocols
from stack.wire.dissect import F

# Types, as Wireshark's field types group them for comparisons
UINT, BOOL, IPV4, IPV6, ETHER, BYTES, STRING, NONE, PROTOCOL, TIME = (
    "uint", "bool", "ipv4", "ipv6", "ether", "bytes", "string", "none", "protocol", "time")
TYPE_NAMES = {UINT: "Unsigned integer", BOOL: "Boolean", IPV4: "IPv4 address", IPV6: "IPv6 address",
              ETHER: "Ethernet or other MAC address", BYTES: "Byte sequence", STRING: "Character string",
              NONE: "Label", PROTOCOL: "Protocol", TIME: "Time"}
INTEGERS = (UINT, BOOL)
SLICEABLE = (IPV4, IPV6, ETHER, BYTES, STRING, PROTOCOL, NONE)
ORDERED = (UINT, BOOL, IPV4, IPV6, ETHER, BYTES, STRING, TIME)

_TYPED = {
    BOOL: """http.request http.response dhcp.bootp dhcp.flags.bc dns.flags.authenticated dns.flags.authoritative
        dns.flags.checkdisable dns.flags.recavail dns.flags.recdesired dns.flags.response
        dns.flags.truncated dns.flags.z dns.resp.z.do icmpv6.nd.ra.flag.h icmpv6.nd.ra.flag.m
        icmpv6.nd.ra.flag.o icmpv6.nd.ra.flag.p icmpv6.opt.prefix.flag.a icmpv6.opt.prefix.flag.l
        icmpv6.opt.prefix.flag.r ip.flags.df ip.flags.mf ip.flags.rb ipv6.fraghdr.more
        ipv6.opt.type.change llc.dsap.ig llc.ssap.cr tcp.flags.ack tcp.flags.ae tcp.flags.cwr
        tcp.flags.ece tcp.flags.fin tcp.flags.push tcp.flags.res tcp.flags.reset tcp.flags.syn
        tcp.flags.urg vlan.dei eth.dst.lg eth.dst.ig eth.src.lg eth.src.ig eth.lg eth.ig""",
    ETHER: "arp.dst.hw_mac arp.src.hw_mac dhcp.hw.mac_addr eth.dst eth.src sll.src.eth eth.addr",
    IPV4: """arp.dst.proto_ipv4 arp.src.proto_ipv4 dhcp.cookie dhcp.ip.client dhcp.ip.relay
        dhcp.ip.server dhcp.ip.your dhcp.option.dhcp_server_id dhcp.option.domain_name_server
        dhcp.option.requested_ip_address dhcp.option.router dhcp.option.static_route.ip
        dhcp.option.static_route.router dhcp.option.subnet_mask dhcp.option.tftp_server_address
        dns.a ip.dst ip.src ip.addr""",
    IPV6: """dns.aaaa icmpv6.nd.ns.target_address icmpv6.nd.na.target_address icmpv6.opt.prefix icmpv6.opt.rdnss ipv6.dst
        ipv6.routing.src.addr ipv6.routing.srh.addr ipv6.routing.mipv6.home_address ipv6.opt.mipv6.home_address
        ipv6.src ipv6.addr icmpv6.mld.multicast_address icmpv6.mld.source_address
        icmpv6.mldr.mar.multicast_address icmpv6.mldr.mar.source_address""",
    STRING: """http.request.method http.request.uri http.request.version http.response.version
        http.response.phrase http.host http.user_agent http.accept http.accept_encoding
        http.accept_language http.server http.date http.last_modified http.content_type
        http.content_length_header http.connection http.referer http.cookie http.set_cookie
        http.location http.cache_control http.transfer_encoding http.content_encoding
        http.authorization http.upgrade http.request.line http.response.line http.file_data
        http.request.full_uri http.first_line dhcp.option.domain_name dhcp.option.hostname dhcp.option.vendor_class_id dhcp.file
        dhcp.option.mudurl dhcp.option.tz_tcode dhcp.server dns.ns dns.qry.name dns.resp.name
        dns.soa.mname dns.soa.rname tcp.flags.str ip.host ip.src_host ip.dst_host ipv6.host
        ipv6.src_host ipv6.dst_host frame.interface_name frame.direction frame.protocols icmpv6.opt.dnssl""",
    BYTES: """arp.dst.hw arp.dst.proto arp.src.hw arp.src.proto data.data dhcp.hw.addr
        dhcp.hw.addr_padding dhcp.option.padding dhcp.option.value dhcp.vendor_specific_options
        dns.data dns.opt.cookie.client dns.opt.cookie.server dns.opt.data eth.padding
        icmpv6.opt.linkaddr icmpv6.opt.src_linkaddr icmpv6.opt.target_linkaddr icmpv6.reserved ipv6.opt.padn ipv6.opt.unknown
        ipv6.routing.src.reserved ipv6.routing.srh.tag sll.unused tcp.options tcp.options.tfo.cookie
        tcp.options.unknown.payload tcp.payload udp.payload icmpv6.mld.raw icmpv6.opt.data
        icmpv6.raw ipv6.routing.srh.tlvs tcp.options.eol tcp.options.experimental tcp.options.mss
        tcp.options.nop tcp.options.sack_perm tcp.options.timestamp tcp.options.unknown
        tcp.options.wscale icmpv6.opt.nonce icmpv6.mldr.mar.aux_data""",
    NONE: """dns.opt icmpv6.opt icmpv6.opt.reserved ipv6.opt ipv6.opt.pad1 tcp.options.tfo.request tcp.option.past_end
        dns.additionals dns.answers dns.authorities dns.qry dns.queries dns.rr ip.options
        ipv6.dstopts ipv6.fraghdr ipv6.hopopts ipv6.routing ip.opt icmpv6.opt.padding icmpv6.mldr.mar""",
    TIME: "frame.time_epoch",
    # integers the dissectors add as text nodes, with no header definition (F) to find them by
    UINT: """eth.dst.oui eth.src.oui eth.addr.oui dhcp.flags dhcp.flags.reserved dhcp.hops dhcp.hw.len dhcp.hw.type dhcp.id
        dhcp.option.dhcp dhcp.option.dhcp_max_message_size dhcp.option.end
        dhcp.option.interface_mtu dhcp.option.ip_address_lease_time dhcp.option.length
        dhcp.option.rebinding_time_value dhcp.option.renewal_time_value
        dhcp.option.request_list_item dhcp.option.type dhcp.secs dhcp.type dns.count.labels
        dns.opt.code dns.opt.len dns.qry.class dns.qry.name.len dns.qry.type dns.resp.class
        dns.resp.edns0_version dns.resp.ext_rcode dns.resp.len dns.resp.ttl dns.resp.type
        dns.resp.z dns.resp.z.reserved dns.rr.udp_payload_size dns.soa.expire_limit
        dns.soa.minimum_ttl dns.soa.refresh_interval dns.soa.retry_interval dns.soa.serial_number
        icmpv6.opt.length icmpv6.opt.type icmpv6.opt.mtu icmpv6.opt.prefix.length
        icmpv6.opt.prefix.flag icmpv6.opt.prefix.flag.reserved icmpv6.opt.prefix.preferred_lifetime
        icmpv6.opt.prefix.valid_lifetime icmpv6.opt.rdnss.lifetime icmpv6.opt.route_info.flag
        icmpv6.opt.route_info.flag.reserved icmpv6.opt.route_info.flag.route_preference
        icmpv6.opt.route_lifetime ip.opt.len ip.opt.type ipv6.opt.jumbo ipv6.opt.length
        ipv6.opt.router_alert ipv6.opt.type ipv6.opt.type.action ipv6.opt.type.rest
        tcp.option_kind tcp.option_len tcp.options.acc_ecn.eceb tcp.options.acc_ecn.ee0b
        tcp.options.acc_ecn.ee1b tcp.options.experimental.exid tcp.options.mss_val
        tcp.options.timestamp.tsecr tcp.options.timestamp.tsval tcp.options.wscale.multiplier
        tcp.options.wscale.shift tcp.checksum_calculated udp.checksum_calculated tcp.port udp.port
        icmpv6.nd.ra.flag.prf icmpv6.nd.ra.flag.rsv ipv6.dstopts.len ipv6.dstopts.len_oct
        ipv6.dstopts.nxt ipv6.hopopts.len ipv6.hopopts.len_oct ipv6.hopopts.nxt ipv6.routing.len
        ipv6.routing.len_oct ipv6.routing.nxt null.family sll.etype ieee8021ad.dei
        frame.number frame.len frame.cap_len http.response.code http.content_length dns.length
        erspan.truncated gtp.flags.payload gtp.flags.reserved mpls.bottom""",
}
_TYPED[BOOL] += " geneve.flags.reserved arp.isgratuitous arp.isannouncement arp.isprobe"
_TYPED[UINT] += " arp.dst.drarp_error_status"
_TYPED[NONE] += " udpencap.non_esp_marker"
_TYPED[BYTES] += " geneve.options geneve.option ah.icv ah.reserved pppoed.tag.unknown_data"
_TYPED[BYTES] += " geneve.option.unknown.data geneve.option.gcp.endpoint"
_TYPED[UINT] += " geneve.option.gcp.profile"
_TYPED[BYTES] += " gtp.ext_hdr.ran_cont"
_TYPED[STRING] += """ pppoed.tags.service_name pppoed.tags.ac_name pppoed.tags.service_name_error
    pppoed.tags.ac_system_error pppoed.tags.generic_error"""
_TYPED[BYTES] += """ pppoed.tags.host_uniq pppoed.tags.ac_cookie pppoed.tags.relay_session_id pppoed.tags.hurl
    pppoed.tags.motm pppoed.tags.max_payload pppoed.tags.ip_route_add pppoed.tags.vendor_unspecified"""
_TYPED[UINT] += """ pppoed.tags.vendor_id pppoed.tags.credits.fcn pppoed.tags.credits.bcn pppoed.tags.seq_num
    pppoed.tags.credit_scale"""
_TYPED[NONE] += " gtp.ext_hdr"
_TYPED[BYTES] += " ip.fragments media.type eth.trailer"
_TYPED[UINT] += " eth.fcs eth.fcs.status"
_TYPED[NONE] += " ipv6.fragments"
# spanning tree BPDUs (stack/wire/bpdu.py): times in seconds, identifiers as text nodes
_TYPED[TIME] += " stp.msg_age stp.max_age stp.hello stp.forward icmp.data_time icmp.data_time_relative"
_TYPED[UINT] += " stp.flags stp.root.prio stp.root.ext stp.bridge.prio stp.bridge.ext"
_TYPED[ETHER] += " stp.root.hw stp.bridge.hw"
_TYPED[NONE] += " stp.root stp.bridge"
_TYPED[BYTES] += " stp.mst"
_TYPED[UINT] += " llc.control data.len"      # llc.control: a text node, its words depend on the C/R bit
# EDNS options (stack/wire/dns.py edns_option_fields)
_TYPED[UINT] += """ dns.opt.dau dns.opt.dhu dns.opt.n3u dns.opt.client.family dns.opt.client.netmask
    dns.opt.client.scope dns.opt.edns_tcp_keepalive.timeout"""
_TYPED[IPV4] += " dns.opt.client.addr4"
_TYPED[IPV6] += " dns.opt.client.addr6"
_TYPED[BYTES] += " dns.opt.padding"
_TYPED[STRING] += " tcp.reset_cause dns.opt.chain.fqdn dns.rrsig.signers_name http.response.code.desc"
# DNSSEC records (RRSIG, DS)
_TYPED[UINT] += """ dns.rrsig.type_covered dns.rrsig.algorithm dns.rrsig.labels dns.rrsig.original_ttl
    dns.rrsig.key_tag dns.ds.key_id dns.ds.algorithm dns.ds.digest_type"""
_TYPED[TIME] += " dns.rrsig.signature_expiration dns.rrsig.signature_inception"
_TYPED[BYTES] += " dns.rrsig.signature dns.ds.digest dns.dnskey.public_key"
_TYPED[UINT] += """ dns.dnskey.flags dns.dnskey.flags.reserved dns.dnskey.protocol dns.dnskey.algorithm
    dns.dnskey.key_id"""
_TYPED[BOOL] += " dns.dnskey.flags.zone_key dns.dnskey.flags.key_revoked dns.dnskey.flags.secure_entry_point"
_TYPED[STRING] += " dns.nsec.next_domain_name"
# DHCP options (stack/wire/dhcp.py): the plain kinds from the option table, then the structures
_DHCP_KIND_TYPES = {"ip": IPV4, "ips": IPV4, "str": STRING, "u8": UINT, "u16": UINT, "u16s": UINT, "time": UINT,
                    "stime": UINT, "enabled": BOOL, "yes": BOOL}
for _kind, _field, _label in dhcp_options.TYPED.values():
    _TYPED[_DHCP_KIND_TYPES[_kind]] += " " + _field
_TYPED[IPV4] += " dhcp.option.policy_filter.ip dhcp.option.policy_filter.subnet_mask"
_TYPED[UINT] += """ dhcp.client_id.type dhcp.option.suboption_length dhcp.option.forcerenew_nonce.algorithm
    dhcp.option.agent_information_option.suboption dhcp.option.user_class.length dhcp.option.user_class"""
_TYPED[STRING] += " dhcp.client_id.undef dhcp.option.dhcp_dns_domain_search_list_fqdn"
_TYPED[BYTES] += """ dhcp.option.vendor.value dhcp.option.agent_information_option.value
    dhcp.option.agent_information_option.agent_circuit_id dhcp.option.agent_information_option.agent_remote_id
    dhcp.option.user_class.data dhcp.option.classless_static_route"""

# ICMP extension objects and extended echo (RFC 4884, 4950, 5837, 8335), malformed IP headers,
# PREF64 and hop-by-hop options (stack/wire/icmp.py, icmpv6.py, ipv4.py, ipv6.py)
_TYPED[NONE] += """ icmp.ext icmp.ext.object icmp.ext.checksum_bad icmp.mpls.stack_entry icmp.int_info.ip_sub_object
    icmp.int_info.name_sub_object icmpv6.invalid_option_length ip.bogus_ip_length ip.bogus_ip_version
    ip.bogus_header_length"""
_TYPED[BYTES] += """ icmp.ext.data icmp.int_ident.reserved icmp.int_ident.address icmp.mpls.data icmp.reserved
    icmpv6.unknown_data ipv6.opt.experimental ipv6.opt.calipso.cmpt_bitmap"""
_TYPED[STRING] += " icmp.int_ident.name icmp.int_info.name"
_TYPED[IPV4] += " icmp.int_ident.ipv4 icmp.int_info.ipv4"
_TYPED[IPV6] += " icmp.int_ident.ipv6 icmp.int_info.ipv6 icmpv6.opt.pref64.prefix"
# DNS record data (stack/wire/dns_rdata.py; its integer fields are declared there)
_TYPED[STRING] += """ dns.a6.prefix_name dns.afsdb.hostname dns.caa.iodef dns.caa.issue dns.caa.issuewild
    dns.caa.tag dns.caa.unknown dns.caa.value dns.dname dns.gpos.altitude dns.gpos.latitude dns.gpos.longitude
    dns.hinfo.cpu dns.hinfo.os dns.hip.rendezvous_server dns.idsn.address dns.idsn.sa.address dns.ilnp.lp
    dns.ipseckey.gateway_dns dns.kx.key_exchange dns.mb dns.md dns.mf dns.mg dns.mr dns.minfo.e dns.minfo.r
    dns.mx.mail_exchange dns.naptr.flags dns.naptr.regex dns.naptr.replacement dns.naptr.service
    dns.nsec3.hash_value dns.nxt.next_domain_name dns.openpgpkey dns.ptr.domain_name dns.px.map400 dns.px.map822
    dns.rp.mailbox dns.rp.txt_rr dns.rt.intermediate_host dns.spf dns.srv.name dns.srv.proto dns.srv.service
    dns.srv.target dns.svcb.svcparam.alpn dns.svcb.targetname dns.tkey.algo_name dns.tsig.algorithm_name dns.txt
    dns.x25.psdn_address"""
_TYPED[BYTES] += """ dns.apl.afdpart.data dns.cert.certificate dns.csync.type_bitmap dns.dhcid.rdata dns.eui64
    dns.hip.hit dns.hip.pk dns.ilnp.l64 dns.ilnp.nid dns.ipseckey.public_key dns.key.public_key dns.loc.unknown_data
    dns.nsap.rdata dns.nsec3.salt_value dns.null dns.sshfp.fingerprint dns.svcb.svcparam.echconfig
    dns.svcb.svcparam.odohconfig dns.svcb.svcparam.value dns.tkey.key_data dns.tlsa.certificate_association_data
    dns.tsig.other_data dns.zonemd.digest"""
_TYPED[IPV4] += " dns.apl.afdpart.ipv4 dns.ilnp.l32 dns.ipseckey.gateway_ipv4 dns.svcb.svcparam.ipv4hint.ip dns.wks.address"
_TYPED[IPV6] += " dns.a6.address_suffix dns.apl.afdpart.ipv6 dns.ipseckey.gateway_ipv6 dns.svcb.svcparam.ipv6hint.ip"
_TYPED[ETHER] += " dns.eui48"
_TYPED[TIME] += " dns.tkey.signature_expiration dns.tkey.signature_inception dns.tsig.time_signed"
_TYPED[NONE] += " dns.svcb.svcparam dns.tsig.mac"
# DHCP's structured options (stack/wire/dhcp.py): FQDN, vendor classes and vendor-specific
# information (PXE, TR-111, CableLabs), SIP servers, relay agent suboptions, option overload
_DHCP = "dhcp.option."
_TYPED[UINT] += """ dhcp.fqdn.rcode1 dhcp.fqdn.rcode2 dhcp.client_network_id_major dhcp.client_network_id_minor
    dhcp.option.client_system_architecture dhcp.option.dhcp_auto_configuration dhcp.option.sip_server.encoding
    dhcp.option.vi_class.cl_address_mode dhcp.option.vi_class.enterprise dhcp.option.vi_class.length
    dhcp.option.vi.enterprise dhcp.option.vi.length dhcp.option.vi.cl.suboption dhcp.option.vi.tr111.suboption
    dhcp.option.vi.tr111.device_manufacturer_oui dhcp.vendor.suboption """ + " ".join(
    _DHCP + "vendor.pxeclient." + name for name in """suboption padding end mtftp_client_port mtftp_server_port
    mtftp_timeout mtftp_delay discovery_control boot_servers.type boot_servers.count boot_menu.type boot_menu.length
    menu_prompt.timeout boot_item.type lcm_version""".split()) + " " + " ".join(
    _DHCP + "agent_information_option." + name for name in """docsis_device_class flags ani_att vi.enterprise
    vi.data_length vrf_name.global vrf_name.vpn_id.oui vrf_name.vpn_id.index""".split())
_TYPED[BOOL] += " " + " ".join(_DHCP + "vendor.pxeclient." + name for name in """discovery configured
    discovery_control.broadcast discovery_control.multicast discovery_control.serverlist
    discovery_control.bstrap""".split())
_TYPED[IPV4] += """ dhcp.option.sip_server.address dhcp.option.vi.cl.tftp_server_addresses
    dhcp.option.vendor.pxeclient.mtftp_ip dhcp.option.vendor.pxeclient.multicast_address
    dhcp.option.vendor.pxeclient.boot_servers.ip dhcp.option.agent_information_option.link_selection
    dhcp.option.agent_information_option.link_selection_cisco dhcp.option.agent_information_option.server_id_override
    dhcp.option.agent_information_option.server_id_override_cisco"""
_TYPED[ETHER] += " dhcp.option.agent_information_option.ani_ap_bssid"
_TYPED[STRING] += """ dhcp.fqdn.name dhcp.option.sip_server.name dhcp.option.vi_class.data dhcp.client_id.uuid """ + \
    " ".join("dhcp.option.vi.tr111." + name for name in """device_serial_number device_product_class
    gateway_manufacturer_oui gateway_serial_number gateway_product_class""".split()) + " " + \
    " ".join(_DHCP + "vendor.pxeclient." + name for name in "boot_menu.desc menu_prompt.prompt lcm_server lcm_domain "
             "lcm_workgroup lcm_serial".split()) + " " + \
    " ".join(_DHCP + "agent_information_option." + name for name in """subscriber_id ani_network_name ani_ap_name
    ani_operator_realm vrf_name""".split())
_TYPED[BYTES] += """ dhcp.vendor.data dhcp.option.vi.cl.option_request dhcp.option.vi.cl.erouter_container_option """ + \
    " ".join(_DHCP + "vendor.pxeclient." + name for name in """boot_servers boot_menu menu_prompt boot_item
    boot_item.layer credential_types multicast_address_alloc lcm_nic_option""".split()) + " " + \
    " ".join(_DHCP + "agent_information_option." + name for name in """reserved radius_attributes authentication
    relay_agent_id ani_operator_id""".split())
_TYPED[NONE] += """ dhcp.bad_length dhcp.end_option_missing dhcp.missing_subopt_length dhcp.missing_subopt_value
    dhcp.option.option_overload.sname_end_missing dhcp.option.option_overload.file_end_missing
    dhcp.option.sip_server_address.encoding dhcp.server_name_overloaded_by_dhcp dhcp.boot_filename_overloaded_by_dhcp
    dhcp.sname_overload dhcp.file_overload"""
# TCP options beyond the everyday ones, and MPTCP's (stack/wire/mptcp.py): text nodes, and
# one-bit flags tshark types as numbers
_TYPED[UINT] += """ tcp.options.echo_value tcp.options.ao.keyid tcp.options.ao.rnextkeyid
    tcp.options.mptcp.rawdataack tcp.options.mptcp.rawdataseqno tcp.options.mptcp.subflowseqno
    tcp.options.mptcp.datalvllen tcp.options.mptcp.checksum tcp.options.mptcp.port
    tcp.options.mptcp.addaddrtrunchmac mptcp.expected_token mptcp.expected_idsn mptcp.rm_addr.count
    tcp.options.mptcp.addrid tcp.options.mptcp.sendkey tcp.options.mptcp.recvkey """ + " ".join(mptcp.NUMERIC_FLAGS)
_TYPED[BYTES] += """ tcp.options.md5.digest tcp.options.ao.mac tcp.options.mptcp.sendhmac tcp.options.echo
    tcp.options.echoreply tcp.options.md5 tcp.options.user_to tcp.options.ao tcp.options.acc_ecn"""
_TYPED[IPV4] += " tcp.options.mptcp.ipv4"
_TYPED[IPV6] += " tcp.options.mptcp.ipv6"

# Fields the conversation analysis gives (stack/wire/analysis: notes beside the dissection,
# read with no tree), by tshark's names and types
ANALYSIS_FLAGS = """retransmission fast_retransmission spurious_retransmission out_of_order lost_segment
    ack_lost_segment keep_alive window_update window_full keep_alive_ack duplicate_ack zero_window_probe
    zero_window zero_window_probe_ack reused_ports""".split()
ANALYSIS = {
    **{name: UINT for name in """tcp.stream tcp.seq tcp.ack tcp.nxtseq tcp.window_size
        tcp.window_size_scalefactor udp.stream icmp.resp_in icmp.resp_to icmpv6.resp_in icmpv6.resp_to
        dns.response_in dns.response_to tcp.analysis.acks_frame tcp.analysis.bytes_in_flight
        tcp.analysis.push_bytes_sent tcp.analysis.duplicate_ack_num tcp.analysis.duplicate_ack_frame
        http.request_in http.response_in tcp.analysis.rto_frame""".split()},
    "http.response_for.uri": STRING,
    **{name: TIME for name in """tcp.analysis.rto tcp.analysis.ack_rtt tcp.analysis.initial_rtt tcp.time_relative
        tcp.time_delta dns.time icmp.resptime icmpv6.resptime http.time""".split()},
    **{"tcp.analysis." + name: NONE for name in ANALYSIS_FLAGS + ["flags"]},
    # reassembly (stack/wire/analysis/reassembly.py): what a reassembled message adds
    **{name: UINT for name in "tcp.segment tcp.reassembled_in tcp.reassembled.length".split()},
    # duplicate IPv4 addresses in ARP (stack/wire/analysis/arp_duplicates.py)
    "arp.duplicate-address-frame": UINT, "arp.seconds-since-duplicate-address-frame": UINT,
    "arp.duplicate-address-detected": NONE, "tcp.flags.ace": UINT,
    # IP reassembly for display (stack/wire/defrag_view.py)
    **{name: UINT for name in """ip.fragment ip.fragment.count ip.reassembled_in ip.reassembled.length
        ipv6.fragment ipv6.fragment.count ipv6.reassembled.in ipv6.reassembled.length""".split()},
}

SIGNED = {"tcp.window_size_scalefactor", "dhcp.option.time_offset", "frame.p2p_dir"}        # integers that may be negative (-1 unknown, -2 none)

# Fields made here from others, as tshark generates them: name -> the fields it gathers
GENERATED = {
    "eth.addr": ("eth.src", "eth.dst"), "ip.addr": ("ip.src", "ip.dst"),
    "ipv6.addr": ("ipv6.src", "ipv6.dst"), "tcp.port": ("tcp.srcport", "tcp.dstport"),
    "udp.port": ("udp.srcport", "udp.dstport"),
    "ip.host": ("ip.src", "ip.dst"), "ip.src_host": ("ip.src",), "ip.dst_host": ("ip.dst",),
    "ipv6.host": ("ipv6.src", "ipv6.dst"), "ipv6.src_host": ("ipv6.src",),
    "ipv6.dst_host": ("ipv6.dst",),
    "eth.lg": ("eth.dst.lg", "eth.src.lg"), "eth.ig": ("eth.dst.ig", "eth.src.ig"),
}
# Fields made from others' values, as tshark generates them: name -> (the fields it reads, how)
_OUI = lambda mac: int.from_bytes(mac[:3], "big")     # noqa: E731
DERIVED = {"eth.dst.oui": (("eth.dst",), _OUI), "eth.src.oui": (("eth.src",), _OUI),
           "eth.addr.oui": (("eth.dst", "eth.src"), _OUI)}
FRAME_FIELDS = {
    "frame.number": "the packet's number", "frame.len": "its length on the wire",
    "frame.cap_len": "the bytes captured", "frame.interface_name": "the link it crossed",
    "frame.direction": "in (received) or out (sent)", "frame.time_epoch": "its time, seconds since 1970",
    "frame.protocols": "its layers, eth:ip:tcp",
    # what a pcapng file records of the packet (capture read FILE.pcapng)
    "frame.section_number": "its pcapng section", "frame.interface_id": "its pcapng interface",
    "frame.interface_description": "its pcapng interface's description",
    "frame.packet_flags": "its pcapng epb_flags", "frame.p2p_dir": "1 received, 0 sent (pcapng direction)",
    **{f.name: f"epb_flags: {f.label}" for f in epb_flags.FIELDS},
}
_TYPED[UINT] += " frame.section_number frame.interface_id frame.packet_flags frame.p2p_dir " + " ".join(
    f.name for f in epb_flags.FIELDS if f.names != {})
_TYPED[BOOL] += " " + " ".join(f.name for f in epb_flags.FIELDS if f.names == {})
_TYPED[STRING] += " frame.interface_description"
# Fields read straight from the header definition at their layer's offset, with no tree: the
# field is there whenever the layer spans `need` bytes (its dissector adds it then, and only
# then; tests/unit/test_dfilter.py checks the two ways agree on every test frame).
FAST = {f.name: (f, need) for f, need in (
    (tcp.SRCPORT, 2), (tcp.DSTPORT, 4), (udp.SRCPORT, udp.HEADER_LEN), (udp.DSTPORT, udp.HEADER_LEN),
    (ipv4.SRC, ipv4.MIN_LEN), (ipv4.DST, ipv4.MIN_LEN), (ipv4.PROTO, ipv4.MIN_LEN), (ipv4.TTL, ipv4.MIN_LEN),
    (ethernet.SRC, ethernet.HEADER_LEN), (ethernet.DST, ethernet.HEADER_LEN))}
ALIASES = {"link": "frame.interface_name", "dir": "frame.direction"}
ALIAS_HELP = {"link": "the link it crossed", "dir": "in (received) or out (sent)"}
DIRECTIONS = ("in", "out")

# Protocols (layer names) and their labels; a field's protocol is also known by its prefix
PROTOCOL_LABELS = {
    "frame": "the whole frame", "eth": "Ethernet", "sll": "Linux cooked capture", "null": "BSD loopback",
    "raw": "raw IP", "llc": "Logical-Link Control", "vlan": "802.1Q VLAN", "ieee8021ad": "802.1ad QinQ",
    "arp": "ARP", "ip": "IPv4", "ipv6": "IPv6", "icmp": "ICMP", "icmpv6": "ICMPv6", "tcp": "TCP",
    "udp": "UDP", "dns": "DNS", "mdns": "multicast DNS", "llmnr": "link-local multicast name resolution",
    "dhcp": "DHCP", "http": "HTTP/1.x", "media": "an HTTP body by its media type",
    "data-text-lines": "an HTTP text body, line by line", "data": "payload no dissector took",
    "_ws.malformed": "a malformed packet",
    "gre": "GRE", "erspan": "ERSPAN", "vxlan": "VXLAN", "geneve": "Geneve", "mpls": "MPLS",
    "ah": "IPsec AH", "esp": "IPsec ESP", "udpencap": "UDP-encapsulated IPsec", "gtp": "GTP-U",
    "pppoed": "PPPoE discovery", "pppoes": "PPPoE session", "ppp": "PPP", "mptcp": "Multipath TCP options",
}
# Layers that hold fields of another protocol's prefix (tshark's tree nests them so too)
EXTRA_HOMES = {"ieee8021ah": ("ieee8021ad",), "data": ("icmp", "icmpv6"), "dns": ("mdns", "llmnr"),
               "pppoe": ("pppoes", "pppoed"), "mptcp": ("tcp",),
               "icmp": ("icmpv6",)}      # ICMPv6's extended echo carries ICMP's extension objects


@dataclass(frozen=True)
class Field:
    name: str
    type: str
    protocol: str            # the layer it is found in (its name's first part)


def _header_fields() -> dict[str, str]:
    """Every `F` header definition of the wire modules: integers (a one-bit mask: a Boolean)."""
    found = {}
    for module in wire_protocols.MODULES:
        for value in vars(module).values():
            group = value.values() if isinstance(value, dict) else value if isinstance(value, (tuple, list)) \
                else (value,)
            for item in group:
                if isinstance(item, F) and "." in item.name:
                    single_bit = item.mask and item.mask & (item.mask - 1) == 0
                    found[item.name] = BOOL if single_bit else UINT
    return found


def _registry() -> dict[str, Field]:
    types = _header_fields()
    types.update(ANALYSIS)
    for kind, names in _TYPED.items():
        for name in names.split():
            types[name] = kind
    return {name: Field(name, kind, name.split(".")[0]) for name, kind in types.items()}


FIELDS = _registry()
PROTOCOLS = set(PROTOCOL_LABELS) | {f.protocol for f in FIELDS.values()}


def lookup(name: str) -> Field | None:
    """The field or protocol `name` (an alias resolved), or None."""
    name = ALIASES.get(name, name)
    field = FIELDS.get(name)
    if field is None and name in PROTOCOLS:
        field = Field(name, PROTOCOL, name)
    return field


def homes(protocol: str) -> tuple[str, ...]:
    """The layer names a field of `protocol` may be found in."""
    return (protocol,) + EXTRA_HOMES.get(protocol, ())


def field_help(name: str) -> str:
    if name in ALIAS_HELP:
        return ALIAS_HELP[name]
    if name in FRAME_FIELDS:
        return FRAME_FIELDS[name]
    if name in PROTOCOL_LABELS:
        return PROTOCOL_LABELS[name]
    field = FIELDS.get(name)
    return TYPE_NAMES[field.type] if field else "protocol"


def all_names() -> list[str]:
    return sorted(set(FIELDS) | PROTOCOLS | set(ALIASES))


# --- values: what the dissectors hold, as the type compares it ---------------------------

def _ipv4(value) -> int | None:
    if isinstance(value, (bytes, bytearray)):
        return int.from_bytes(value, "big") if len(value) == 4 else None
    try:
        return int.from_bytes(socket.inet_aton(str(value)), "big")
    except OSError:
        return None


def _ipv6(value) -> int | None:
    if isinstance(value, (bytes, bytearray)):
        return int.from_bytes(value, "big") if len(value) == 16 else None
    try:
        return int.from_bytes(socket.inet_pton(socket.AF_INET6, str(value)), "big")
    except OSError:
        return None


def _bytes(value) -> bytes | None:
    if isinstance(value, (bytes, bytearray)):
        return bytes(value)
    if isinstance(value, str):
        try:
            return bytes.fromhex(value.replace(":", "").replace("-", ""))
        except ValueError:
            return value.encode("utf-8", "surrogateescape")
    return None


def _string(value) -> str | None:
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).decode("latin-1")
    return None if value is None else str(value)


def _integer(value) -> int | None:
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None


def _present(value):
    return b""


CONVERT: dict[str, Callable] = {UINT: _integer, BOOL: _integer, IPV4: _ipv4, IPV6: _ipv6, ETHER: _bytes,
                                BYTES: _bytes, STRING: _string, NONE: _present, TIME: float}


def convert(kind: str, values: list) -> list:
    """Raw node values as `kind` compares them (a value that is not one is left out)."""
    fn = CONVERT[kind]
    out = []
    for value in values:
        value = fn(value)
        if value is not None:
            out.append(value)
    return out


def as_bytes(kind: str, value) -> bytes:
    """A value of `kind` as the bytes a slice or ``contains`` reads."""
    if kind == IPV4:
        return value.to_bytes(4, "big")
    if kind == IPV6:
        return value.to_bytes(16, "big")
    if kind == STRING:
        return value.encode("utf-8", "surrogateescape")
    return value


def host_text(kind: str, value: int) -> str:
    if kind == IPV4:
        return socket.inet_ntoa(value.to_bytes(4, "big"))
    return socket.inet_ntop(socket.AF_INET6, value.to_bytes(16, "big"))
