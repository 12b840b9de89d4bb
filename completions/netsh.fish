# netsh(8) fish completion. Generated from the command grammar by `make completions` (python -m netsh.completion_gen fish); do not edit.
# Install as $PREFIX/share/fish/vendor_completions.d/netsh.fish.

# global options, before the command words
set -g __netsh_gopts '-V	print the version and exit' '-h	print a usage summary and exit' '-s	more statistics; twice (-s -s) for error breakdowns' '-j	JSON output' '-p	indented JSON (with -j)' '-br	brief tabular output' '-c	colour output: always, auto (on a terminal) or never; -c alone: always' '-force	in batch mode, go on after a failed command' '-b	run the commands in FILE (- for standard input)' '-i	after the batch, keep the stack and open the shell' '-netns	run the stack inside the network namespace NS' '-n	attach to the stack served as NAME (netsh serve) instead of embedding one'
set -g __netsh_gattached '-c=always' '-c=auto' '-c=never'
# __netsh_goptarg OPTION: print the value spec when OPTION takes the next word
function __netsh_goptarg
    switch $argv[1]
        case '-b' '--b' '-ba' '--ba' '-bat' '--bat' '-batc' '--batc' '-batch' '--batch'
            echo k:file
        case '-ne' '--ne' '-net' '--net' '-netn' '--netn' '-netns' '--netns'
            echo k:netns
        case '-n' '--n' '-na' '--na' '-nam' '--nam' '-name' '--name'
            echo k:served
    end
end

# __netsh_node PATH: one node of the command tree, into globals
#   __netsh_names   name=canonical=help  for every child word and synonym
#   __netsh_aliases alias=canonical
#   __netsh_iscmd   1 when PATH names a command, whose slots are
#   __netsh_slots   kind|dest|keyword|values|help  (kind p positional, r repeating
#                   positional, o option, f flag;
#                   values c:CHOICE,CHOICE  k:KIND (hostdev netns file served)  - nothing offline)
function __netsh_node
    set -g __netsh_names
    set -g __netsh_aliases
    set -g __netsh_slots
    set -g __netsh_iscmd
    switch $argv[1]
        case ''
            set -g __netsh_names 'link=link=network devices of the stack' 'address=address=IPv4 addresses of the links' 'addr=address=IPv4 addresses of the links' 'neighbour=neighbour=the neighbour (ARP) table' 'neighbor=neighbour=the neighbour (ARP) table' 'neigh=neighbour=the neighbour (ARP) table' 'route=route=the routing table' 'ping=ping=send ICMP echo requests from the stack, like iputils ping' 'stats=stats=counters per layer (all, or LAYER)' 'capture=capture=capture packets on links, dissect, save and read them' 'replay=replay=push a file\'s frames into a link\'s receive path, as if off the wire' 'trace=trace=follow received packets through the layers' 'show=show=the configuration' 'save=save=write the running configuration to FILE (default $XDG_CONFIG_HOME/netsh/running-config)' 'load=load=apply a saved configuration (default: the file save writes) to the running stack' 'serve=serve=run a stack headless, served on a UNIX socket for netsh -n NAME' 'list=list=the served stacks (netsh serve) and how many faces each has' 'shutdown=shutdown=stop the served stack this face is attached to' 'help=help=usage of netsh, an object or a command' 'exit=exit=leave the shell (or end the batch)' 'quit=exit=leave the shell (or end the batch)' 'sleep=sleep=wait; the stack keeps running' 'completion=completion=print the bash, zsh or fish completion script' 'lab=lab=network namespace labs' 'tui=tui=open the dashboard: live counters, tables, packets, a command line' 'demo=demo=build a lab, drive it from the stack and open the shell (root)'
            set -g __netsh_aliases 'a=address' 'l=link' 'li=link' 'n=neighbour' 'r=route' 'ro=route' 'sh=show'
        case 'link'
            set -g __netsh_names 'show=show=show links (all, or DEV)' 'list=show=show links (all, or DEV)' 'lst=show=show links (all, or DEV)' 'host=host=host NICs pcap can open; attached ones say as what' 'attach=attach=bind a host NIC to the stack as a new link' 'detach=detach=release an attached host NIC' 'set=set=change a link\'s state, MTU or MAC address' 'add=add=make a pair of links joined by an in-process cable' 'delete=delete=delete a link (both ends of a pair)' 'del=delete=delete a link (both ends of a pair)' 'help=help=usage of link'
        case 'link show'
            set -g __netsh_iscmd 1
            set -g __netsh_slots 'p|dev|dev|-|DEV'
        case 'link host'
            set -g __netsh_iscmd 1
        case 'link attach'
            set -g __netsh_iscmd 1
            set -g __netsh_slots 'p|hostdev||k:hostdev|HOSTDEV' 'o|name|name|-|the stack\'s name for it' 'o|address|address|-|the MAC address the stack uses'
        case 'link detach'
            set -g __netsh_iscmd 1
            set -g __netsh_slots 'p|name||-|DEV'
        case 'link set'
            set -g __netsh_iscmd 1
            set -g __netsh_slots 'p|dev|dev|-|DEV' 'f|up|up|-|bring the link up' 'f|up|down|-|take the link down' 'o|mtu|mtu|-|maximum transmission unit' 'o|address|address|-|change the MAC address'
        case 'link add'
            set -g __netsh_iscmd 1
            set -g __netsh_slots 'p|name|name|-|NAME' 'o|type|type|c:pair|the kind of link' 'o|peer|peer|-|the other end\'s name'
        case 'link delete'
            set -g __netsh_iscmd 1
            set -g __netsh_slots 'p|dev|dev|-|DEV'
        case 'link help'
            set -g __netsh_iscmd 1
        case 'address'
            set -g __netsh_names 'add=add=add an address (no /LEN: a /32 host address)' 'delete=delete=remove an address (no /LEN: whatever its length)' 'del=delete=remove an address (no /LEN: whatever its length)' 'show=show=show links with their addresses' 'list=show=show links with their addresses' 'lst=show=show links with their addresses' 'flush=flush=remove every address of a link' 'help=help=usage of address'
        case 'address add'
            set -g __netsh_iscmd 1
            set -g __netsh_slots 'p|prefix||-|PREFIX' 'o|dev|dev|-|the link'
        case 'address delete'
            set -g __netsh_iscmd 1
            set -g __netsh_slots 'p|prefix||-|PREFIX' 'o|dev|dev|-|the link'
        case 'address show'
            set -g __netsh_iscmd 1
            set -g __netsh_slots 'p|dev|dev|-|DEV'
        case 'address flush'
            set -g __netsh_iscmd 1
            set -g __netsh_slots 'o|dev|dev|-|the link'
        case 'address help'
            set -g __netsh_iscmd 1
        case 'neighbour'
            set -g __netsh_names 'show=show=show neighbour entries' 'list=show=show neighbour entries' 'lst=show=show neighbour entries' 'add=add=add a permanent entry' 'delete=delete=remove an entry' 'del=delete=remove an entry' 'flush=flush=remove the entries of a link (not permanent ones)' 'help=help=usage of neighbour'
        case 'neighbour show'
            set -g __netsh_iscmd 1
            set -g __netsh_slots 'p|to|to|-|only addresses in PREFIX' 'o|dev|dev|-|only this link' 'o|nud|nud|c:permanent,noarp,reachable,stale,none,incomplete,delay,probe,failed,all|only entries in this state'
        case 'neighbour add'
            set -g __netsh_iscmd 1
            set -g __netsh_slots 'p|address||-|ADDR' 'o|lladdr|lladdr|-|LLADDR' 'o|dev|dev|-|the link'
        case 'neighbour delete'
            set -g __netsh_iscmd 1
            set -g __netsh_slots 'p|address||-|ADDR' 'o|dev|dev|-|the link'
        case 'neighbour flush'
            set -g __netsh_iscmd 1
            set -g __netsh_slots 'o|dev|dev|-|the link'
        case 'neighbour help'
            set -g __netsh_iscmd 1
        case 'route'
            set -g __netsh_names 'show=show=show routes' 'list=show=show routes' 'lst=show=show routes' 'help=help=usage of route'
        case 'route show'
            set -g __netsh_iscmd 1
        case 'route help'
            set -g __netsh_iscmd 1
        case 'ping'
            set -g __netsh_iscmd 1
            set -g __netsh_slots 'o|count|-c|-|stop after COUNT replies sent' 'o|interval|-i|-|seconds between requests (default 1)' 'o|size|-s|-|payload bytes (default 56)' 'o|timeout|-W|-|seconds to wait for a reply when none came (default 10)' 'o|dev|-I|-|send through this link' 'p|address||-|ADDR'
        case 'stats'
            set -g __netsh_iscmd 1
            set -g __netsh_slots 'p|layer||c:Ip,IpExt,Icmp,IcmpMsg,ArpStats,Link,Drop|LAYER'
        case 'capture'
            set -g __netsh_names 'start=start=start capturing into the ring (a new capture empties it)' 'stop=stop=stop the running capture' 'status=status=what the capture is doing and the ring holds' 'show=show=captured packets: one line each, or trees and bytes' 'list=show=captured packets: one line each, or trees and bytes' 'lst=show=captured packets: one line each, or trees and bytes' 'clear=clear=empty the ring' 'save=save=write the ring to FILE (pcap for .pcap/.cap, else pcapng)' 'read=read=load a pcap/pcapng file (gzip too) into the ring' 'help=help=usage of capture'
        case 'capture start'
            set -g __netsh_iscmd 1
            set -g __netsh_slots 'o|dev|dev|-|only this link (default: every link)' 'o|filter|filter|-|a tcpdump filter expression' 'o|count|count|-|stop after COUNT packets' 'o|snaplen|snaplen|-|bytes kept of each packet' 'o|write|write|k:file|also stream packets into a pcapng FILE'
        case 'capture stop'
            set -g __netsh_iscmd 1
        case 'capture status'
            set -g __netsh_iscmd 1
        case 'capture show'
            set -g __netsh_iscmd 1
            set -g __netsh_slots 'f|verbose|-V|-|the layer tree of each packet' 'f|hex|-x|-|the bytes, in hex and ASCII' 'p|number||-|N' 'o|last|last|-|N' 'o|start|from|-|packets from number N on' 'o|count|count|-|at most N packets (with from)' 'o|display|-Y|-|only packets the display filter keeps'
        case 'capture clear'
            set -g __netsh_iscmd 1
        case 'capture save'
            set -g __netsh_iscmd 1
            set -g __netsh_slots 'p|file||k:file|FILE'
        case 'capture read'
            set -g __netsh_iscmd 1
            set -g __netsh_slots 'p|file||k:file|FILE'
        case 'capture help'
            set -g __netsh_iscmd 1
        case 'replay'
            set -g __netsh_iscmd 1
            set -g __netsh_slots 'p|file||k:file|FILE' 'o|dev|dev|-|DEV' 'o|rate|rate|-|PPS'
        case 'trace'
            set -g __netsh_names 'add=add=trace the next received frames: every step, the frames they cause, their fate' 'show=show=the traced packets, oldest first (or the newest N)' 'list=show=the traced packets, oldest first (or the newest N)' 'lst=show=the traced packets, oldest first (or the newest N)' 'clear=clear=disarm and forget every trace' 'help=help=usage of trace'
        case 'trace add'
            set -g __netsh_iscmd 1
            set -g __netsh_slots 'o|dev|dev|-|only frames received on this link' 'o|count|count|-|trace the next COUNT matching frames (default 10)' 'o|filter|filter|-|only frames this tcpdump expression matches'
        case 'trace show'
            set -g __netsh_iscmd 1
            set -g __netsh_slots 'p|last||-|N'
        case 'trace clear'
            set -g __netsh_iscmd 1
        case 'trace help'
            set -g __netsh_iscmd 1
        case 'show'
            set -g __netsh_names 'running-config=running-config=the configuration as the batch that makes it again' 'help=help=usage of show'
        case 'show running-config'
            set -g __netsh_iscmd 1
        case 'show help'
            set -g __netsh_iscmd 1
        case 'save'
            set -g __netsh_iscmd 1
            set -g __netsh_slots 'p|file||k:file|FILE'
        case 'load'
            set -g __netsh_iscmd 1
            set -g __netsh_slots 'p|file||k:file|FILE'
        case 'serve'
            set -g __netsh_iscmd 1
            set -g __netsh_slots 'o|name|--name|-|the name to serve as (default: default)' 'o|batch|-b|k:file|configure the stack with this batch first (- for stdin)' 'f|lab|--lab|-|build the demo\'s lab (root) and serve the stack in it'
        case 'list'
            set -g __netsh_iscmd 1
        case 'shutdown'
            set -g __netsh_iscmd 1
        case 'help'
            set -g __netsh_iscmd 1
            set -g __netsh_slots 'r|topic||c:link,address,neighbour,route,ping,stats,capture,replay,trace,show,save,load,serve,list,shutdown,help,exit,sleep,completion,lab,tui,demo|COMMAND'
        case 'exit'
            set -g __netsh_iscmd 1
        case 'sleep'
            set -g __netsh_iscmd 1
            set -g __netsh_slots 'p|seconds||-|SECONDS'
        case 'completion'
            set -g __netsh_iscmd 1
            set -g __netsh_slots 'p|shell||c:bash,zsh,fish|SHELL'
        case 'lab'
            set -g __netsh_names 'down=down=remove labs left behind by processes that are gone' 'help=help=usage of lab'
        case 'lab down'
            set -g __netsh_iscmd 1
            set -g __netsh_slots 'f|all|all|-|every lab, even those of live processes'
        case 'lab help'
            set -g __netsh_iscmd 1
        case 'tui'
            set -g __netsh_iscmd 1
        case 'demo'
            set -g __netsh_iscmd 1
            set -g __netsh_slots 'f|tui|tui|-|open the dashboard instead of the shell'
    end
end

# __netsh_startswith PREFIX STRING
function __netsh_startswith
    test -z "$argv[1]"; and return 0
    string match -qr -- '^'(string escape --style=regex -- $argv[1]) $argv[2]
end

# __netsh_match TOKEN: print the canonical child word TOKEN selects (exact name,
# alias, unique prefix); fail when unknown or ambiguous
function __netsh_match
    set -l t $argv[1]
    for e in $__netsh_names $__netsh_aliases
        set -l p (string split -m2 = -- $e)
        if test "$p[1]" = "$t"
            echo $p[2]
            return 0
        end
    end
    test -n "$t"; or return 1
    set -l hit
    for e in $__netsh_names
        set -l p (string split -m2 = -- $e)
        if __netsh_startswith $t $p[1]
            if test -n "$hit"; and test "$hit" != "$p[2]"
                return 1
            end
            set hit $p[2]
        end
    end
    test -n "$hit"; and echo $hit
end

function __netsh_isname
    for e in $__netsh_names $__netsh_aliases
        test (string split -m1 = -- $e)[1] = "$argv[1]"; and return 0
    end
    return 1
end

# __netsh_kw TOKEN EXACT: print the slot entry whose keyword is TOKEN (or, unless
# EXACT, the unique keyword it abbreviates; keywords starting with - match exactly)
function __netsh_kw
    set -l t $argv[1]
    for e in $__netsh_slots
        set -l f (string split -m4 '|' -- $e)
        if test -n "$f[3]"; and test "$f[3]" = "$t"
            echo $e
            return 0
        end
    end
    if test "$argv[2]" = 1; or test -z "$t"; or string match -q -- '-*' $t
        return 1
    end
    set -l hits
    for e in $__netsh_slots
        set -l f (string split -m4 '|' -- $e)
        if test -n "$f[3]"; and not string match -q -- '-*' $f[3]; and __netsh_startswith $t $f[3]
            set -a hits $e
        end
    end
    test (count $hits) -eq 1; and echo $hits[1]
end

# __netsh_values SPEC CUR [NETSH]: print the values SPEC offers
function __netsh_values
    switch $argv[1]
        case 'c:*'
            string split , -- (string sub -s 3 -- $argv[1])
        case k:hostdev k:netns
            set -l dir /sys/class/net
            test $argv[1] = k:netns; and set dir /run/netns
            for d in $dir/*
                string replace -r '.*/' '' -- $d
            end
        case k:file
            __fish_complete_path $argv[2]
        case k:served
            command -q $argv[3]; or return 0
            string match -arg '"name": *"([^"]*)"' -- ($argv[3] -j list 2>/dev/null)
    end
end

# __netsh_complete [WORD... CURRENT]: candidates (word<TAB>help) for the command
# line, or for the words given (the last one is being completed)
function __netsh_complete
    set -l wl $argv
    set -l cur ''
    if set -q argv[1]
        set cur $argv[-1]
        set -e wl[-1]
    else
        set wl (commandline -opc)
        set cur (commandline -ct)
    end
    set -l n (count $wl)
    set -l i 2

    # global options
    while test $i -le $n
        set -l w $wl[$i]
        if test "$w" = --
            set i (math $i + 1)
            break
        end
        string match -q -- '-*' $w; or break
        set -l spec (__netsh_goptarg $w)
        if test -n "$spec"
            if test $i -eq $n
                __netsh_values $spec $cur $wl[1]
                return 0
            end
            set i (math $i + 2)
        else
            set i (math $i + 1)
        end
    end
    if test $i -gt $n; and string match -q -- '-*' $cur
        if string match -q -- '*=*' $cur
            printf '%s\n' $__netsh_gattached
        else
            printf '%s\n' $__netsh_gopts
        end
        return 0
    end

    # command words
    if test $i -le $n; and test "$wl[$i]" = ip
        set i (math $i + 1)
    end
    __netsh_node ''
    set -l path ''
    while test $i -le $n; and set -q __netsh_names[1]
        set -l w $wl[$i]
        if test -n "$__netsh_iscmd"; and set -q __netsh_slots[1]; and not __netsh_isname $w
            break
        end
        set -l c (__netsh_match $w); or return 0
        if test -z "$path"
            set path $c
        else
            set path "$path $c"
        end
        __netsh_node $path
        set i (math $i + 1)
    end
    if test $i -le $n; and test -z "$__netsh_iscmd"
        return 0
    end
    if test $i -gt $n
        set -l seen
        for e in $__netsh_names
            set -l p (string split -m2 = -- $e)
            contains -- $p[2] $seen; and continue
            set -a seen $p[2]
            printf '%s\t%s\n' $p[1] $p[3]
        end
    end
    test -n "$__netsh_iscmd"; or return 0

    # the command's slots, as the parser fills them
    set -l given
    set -l want ''
    while test $i -le $n
        set -l w $wl[$i]
        set i (math $i + 1)
        if test -n "$want"
            set -a given $want
            set want ''
            continue
        end
        set -l open ''
        for e in $__netsh_slots
            set -l f (string split -m4 '|' -- $e)
            if test $f[1] = r; or begin; test $f[1] = p; and not contains -- $f[2] $given; end
                set open $f[2]
                break
            end
        end
        set -l exact 0
        test -n "$open"; and set exact 1
        set -l entry (__netsh_kw $w $exact)
        if test -n "$entry"
            set -l f (string split -m4 '|' -- $entry)
            contains -- $f[2] $given; and return 0
            if test $f[1] = f
                set -a given $f[2]
            else
                set want $f[2]
            end
        else if test -n "$open"
            set -a given $open
        else
            return 0
        end
    end
    set -l open ''
    for e in $__netsh_slots
        set -l f (string split -m4 '|' -- $e)
        if test -n "$want"
            if test "$f[2]" = "$want"
                __netsh_values $f[4] $cur
                return 0
            end
            continue
        end
        test $f[1] != r; and contains -- $f[2] $given; and continue
        test -n "$f[3]"; and printf '%s\t%s\n' $f[3] $f[5]
        if contains -- $f[1] p r; and test -z "$open"
            set open $f[2]
            __netsh_values $f[4] $cur
        end
    end
end

complete -c netsh -f -a '(__netsh_complete)'
