# netsh(8) bash completion. Generated from the command grammar by `make completions` (python -m netsh.completion_gen bash); do not edit.
# Plain bash is enough (bash-completion is not needed). Install as
# $PREFIX/share/bash-completion/completions/netsh.bash or source it.

# global options, before the command words
_netsh_gopts=('-V' '-h' '-s' '-j' '-p' '-br' '-c' '-force' '-b' '-i' '-netns' '-n')
_netsh_gattached=('-c=always' '-c=auto' '-c=never')
# _netsh_goptarg OPTION: REPLY = value spec when OPTION takes the next word
_netsh_goptarg() {
    case $1 in
    '-b'|'--b'|'-ba'|'--ba'|'-bat'|'--bat'|'-batc'|'--batc'|'-batch'|'--batch') REPLY=k:file ;;
    '-ne'|'--ne'|'-net'|'--net'|'-netn'|'--netn'|'-netns'|'--netns') REPLY=k:netns ;;
    '-n'|'--n'|'-na'|'--na'|'-nam'|'--nam'|'-name'|'--name') REPLY=k:served ;;
    *) return 1 ;;
    esac
}

# _netsh_node PATH: one node of the command tree, into the caller's arrays
#   names   name=canonical[=help]  for every child word and synonym
#   aliases alias=canonical
#   iscmd   1 when PATH names a command, whose slots are
#   slots   kind|dest|keyword|values|help  (kind p positional, r repeating positional,
#           o option, f flag;
#           values c:CHOICE,CHOICE  k:KIND (hostdev netns file served)  - nothing offline)
_netsh_node() {
    names=() aliases=() slots=() iscmd=
    case $1 in
    '')
        names=('link=link' 'address=address' 'addr=address' 'neighbour=neighbour' 'neighbor=neighbour' 'neigh=neighbour' 'route=route' 'ping=ping' 'stats=stats' 'capture=capture' 'replay=replay' 'trace=trace' 'show=show' 'save=save' 'load=load' 'serve=serve' 'list=list' 'shutdown=shutdown' 'help=help' 'exit=exit' 'quit=exit' 'sleep=sleep' 'completion=completion' 'lab=lab' 'tui=tui' 'demo=demo')
        aliases=('a=address' 'l=link' 'li=link' 'n=neighbour' 'r=route' 'ro=route' 'sh=show')
        ;;
    'link')
        names=('show=show' 'list=show' 'lst=show' 'host=host' 'attach=attach' 'detach=detach' 'set=set' 'add=add' 'delete=delete' 'del=delete' 'help=help')
        ;;
    'link show')
        iscmd=1
        slots=('p|dev|dev|-|')
        ;;
    'link host')
        iscmd=1
        ;;
    'link attach')
        iscmd=1
        slots=('p|hostdev||k:hostdev|' 'o|name|name|-|' 'o|address|address|-|')
        ;;
    'link detach')
        iscmd=1
        slots=('p|name||-|')
        ;;
    'link set')
        iscmd=1
        slots=('p|dev|dev|-|' 'f|up|up|-|' 'f|up|down|-|' 'o|mtu|mtu|-|' 'o|address|address|-|')
        ;;
    'link add')
        iscmd=1
        slots=('p|name|name|-|' 'o|type|type|c:pair|' 'o|peer|peer|-|')
        ;;
    'link delete')
        iscmd=1
        slots=('p|dev|dev|-|')
        ;;
    'link help')
        iscmd=1
        ;;
    'address')
        names=('add=add' 'delete=delete' 'del=delete' 'show=show' 'list=show' 'lst=show' 'flush=flush' 'help=help')
        ;;
    'address add')
        iscmd=1
        slots=('p|prefix||-|' 'o|dev|dev|-|')
        ;;
    'address delete')
        iscmd=1
        slots=('p|prefix||-|' 'o|dev|dev|-|')
        ;;
    'address show')
        iscmd=1
        slots=('p|dev|dev|-|')
        ;;
    'address flush')
        iscmd=1
        slots=('o|dev|dev|-|')
        ;;
    'address help')
        iscmd=1
        ;;
    'neighbour')
        names=('show=show' 'list=show' 'lst=show' 'add=add' 'delete=delete' 'del=delete' 'flush=flush' 'help=help')
        ;;
    'neighbour show')
        iscmd=1
        slots=('p|to|to|-|' 'o|dev|dev|-|' 'o|nud|nud|c:permanent,noarp,reachable,stale,none,incomplete,delay,probe,failed,all|')
        ;;
    'neighbour add')
        iscmd=1
        slots=('p|address||-|' 'o|lladdr|lladdr|-|' 'o|dev|dev|-|')
        ;;
    'neighbour delete')
        iscmd=1
        slots=('p|address||-|' 'o|dev|dev|-|')
        ;;
    'neighbour flush')
        iscmd=1
        slots=('o|dev|dev|-|')
        ;;
    'neighbour help')
        iscmd=1
        ;;
    'route')
        names=('show=show' 'list=show' 'lst=show' 'help=help')
        ;;
    'route show')
        iscmd=1
        ;;
    'route help')
        iscmd=1
        ;;
    'ping')
        iscmd=1
        slots=('o|count|-c|-|' 'o|interval|-i|-|' 'o|size|-s|-|' 'o|timeout|-W|-|' 'o|dev|-I|-|' 'p|address||-|')
        ;;
    'stats')
        iscmd=1
        slots=('p|layer||c:Ip,IpExt,Icmp,IcmpMsg,ArpStats,Link,Drop|')
        ;;
    'capture')
        names=('start=start' 'stop=stop' 'status=status' 'show=show' 'list=show' 'lst=show' 'clear=clear' 'save=save' 'read=read' 'help=help')
        ;;
    'capture start')
        iscmd=1
        slots=('o|dev|dev|-|' 'o|filter|filter|-|' 'o|count|count|-|' 'o|snaplen|snaplen|-|' 'o|write|write|k:file|')
        ;;
    'capture stop')
        iscmd=1
        ;;
    'capture status')
        iscmd=1
        ;;
    'capture show')
        iscmd=1
        slots=('f|verbose|-V|-|' 'f|hex|-x|-|' 'p|number||-|' 'o|last|last|-|' 'o|start|from|-|' 'o|count|count|-|' 'o|display|-Y|-|')
        ;;
    'capture clear')
        iscmd=1
        ;;
    'capture save')
        iscmd=1
        slots=('p|file||k:file|')
        ;;
    'capture read')
        iscmd=1
        slots=('p|file||k:file|')
        ;;
    'capture help')
        iscmd=1
        ;;
    'replay')
        iscmd=1
        slots=('p|file||k:file|' 'o|dev|dev|-|' 'o|rate|rate|-|')
        ;;
    'trace')
        names=('add=add' 'show=show' 'list=show' 'lst=show' 'clear=clear' 'help=help')
        ;;
    'trace add')
        iscmd=1
        slots=('o|dev|dev|-|' 'o|count|count|-|' 'o|filter|filter|-|')
        ;;
    'trace show')
        iscmd=1
        slots=('p|last||-|')
        ;;
    'trace clear')
        iscmd=1
        ;;
    'trace help')
        iscmd=1
        ;;
    'show')
        names=('running-config=running-config' 'help=help')
        ;;
    'show running-config')
        iscmd=1
        ;;
    'show help')
        iscmd=1
        ;;
    'save')
        iscmd=1
        slots=('p|file||k:file|')
        ;;
    'load')
        iscmd=1
        slots=('p|file||k:file|')
        ;;
    'serve')
        iscmd=1
        slots=('o|name|--name|-|' 'o|batch|-b|k:file|' 'f|lab|--lab|-|')
        ;;
    'list')
        iscmd=1
        ;;
    'shutdown')
        iscmd=1
        ;;
    'help')
        iscmd=1
        slots=('r|topic||c:link,address,neighbour,route,ping,stats,capture,replay,trace,show,save,load,serve,list,shutdown,help,exit,sleep,completion,lab,tui,demo|')
        ;;
    'exit')
        iscmd=1
        ;;
    'sleep')
        iscmd=1
        slots=('p|seconds||-|')
        ;;
    'completion')
        iscmd=1
        slots=('p|shell||c:bash,zsh,fish|')
        ;;
    'lab')
        names=('down=down' 'help=help')
        ;;
    'lab down')
        iscmd=1
        slots=('f|all|all|-|')
        ;;
    'lab help')
        iscmd=1
        ;;
    'tui')
        iscmd=1
        ;;
    'demo')
        iscmd=1
        slots=('f|tui|tui|-|')
        ;;
    esac
}

# _netsh_match TOKEN: REPLY = the canonical child word TOKEN selects (exact name,
# alias, unique prefix); fails when unknown or ambiguous
_netsh_match() {
    local t=$1 e c hit=''
    for e in "${names[@]}" "${aliases[@]}"; do
        if [[ ${e%%=*} == "$t" ]]; then e=${e#*=}; REPLY=${e%%=*}; return 0; fi
    done
    [[ -n $t ]] || return 1
    for e in "${names[@]}"; do
        if [[ ${e%%=*} == "$t"* ]]; then
            c=${e#*=}; c=${c%%=*}
            [[ -n $hit && $hit != "$c" ]] && return 1
            hit=$c
        fi
    done
    [[ -n $hit ]] && REPLY=$hit
}

_netsh_isname() {
    local e
    for e in "${names[@]}" "${aliases[@]}"; do [[ ${e%%=*} == "$1" ]] && return 0; done
    return 1
}

# _netsh_kw TOKEN EXACT: REPLY = the slot entry whose keyword is TOKEN (or, unless
# EXACT, the unique keyword it abbreviates; keywords starting with - match exactly)
_netsh_kw() {
    local t=$1 e k hit='' n=0
    for e in "${slots[@]}"; do
        k=${e#*\|*\|}; k=${k%%\|*}
        if [[ -n $k && $k == "$t" ]]; then REPLY=$e; return 0; fi
    done
    [[ $2 == 1 || -z $t || $t == -* ]] && return 1
    for e in "${slots[@]}"; do
        k=${e#*\|*\|}; k=${k%%\|*}
        if [[ -n $k && $k != -* && $k == "$t"* ]]; then hit=$e; (( n++ )); fi
    done
    (( n == 1 )) && REPLY=$hit
}


# _netsh_words WORDS CUR: add the WORDS that start with CUR to COMPREPLY
_netsh_words() {
    local w
    while IFS= read -r w; do [[ -n $w ]] && COMPREPLY+=("$w"); done < <(compgen -W "$1" -- "$2")
}

# _netsh_served NETSH: the names `NETSH -j list` shows, one a line
_netsh_served() {
    local json
    json=$("$1" -j list 2>/dev/null) || return 0
    while [[ $json =~ \"name\":\ *\"([^\"]*)\" ]]; do
        printf '%s\n' "${BASH_REMATCH[1]}"
        json=${json#*"${BASH_REMATCH[0]}"}
    done
}

# _netsh_values SPEC CUR [NETSH]: add the values SPEC offers for CUR to COMPREPLY
_netsh_values() {
    local spec=$1 cur=$2 d
    case $spec in
    c:*) d=${spec#c:}; _netsh_words "${d//,/ }" "$cur" ;;
    k:hostdev|k:netns)
        [[ $spec == k:hostdev ]] && d=/sys/class/net || d=/run/netns
        for d in "$d"/*; do
            [[ -e $d && ${d##*/} == "$cur"* ]] && COMPREPLY+=("${d##*/}")
        done ;;
    k:file)
        compopt -o filenames 2>/dev/null
        while IFS= read -r d; do COMPREPLY+=("$d"); done < <(compgen -f -- "$cur") ;;
    k:served)
        while IFS= read -r d; do
            [[ $d == "$cur"* ]] && COMPREPLY+=("$d")
        done < <(_netsh_served "$3") ;;
    esac
}

_netsh() {
    local -a words names aliases slots
    local cword cur line iscmd REPLY e k path='' i=1 j w seen=' ' given=' ' want='' open
    if [[ -n ${COMP_LINE+set} ]]; then
        line=${COMP_LINE:0:${COMP_POINT:-${#COMP_LINE}}}
        read -r -a words <<< "$line"
        [[ -z $line || $line == *[[:space:]] ]] && words+=("")
    else
        words=("${COMP_WORDS[@]:0:COMP_CWORD+1}")
    fi
    cword=$((${#words[@]} - 1))
    cur=${words[cword]}
    COMPREPLY=()

    # global options
    while ((i < cword)); do
        w=${words[i]}
        [[ $w == -- ]] && { ((i++)); break; }
        [[ $w == -* ]] || break
        if _netsh_goptarg "$w"; then
            if ((i + 1 == cword)); then
                _netsh_values "$REPLY" "$cur" "${words[0]}"; _netsh_trim "$cur"; return 0
            fi
            ((i += 2))
        else
            ((i++))
        fi
    done
    if ((i == cword)) && [[ $cur == -* ]]; then
        if [[ $cur == *=* ]]; then
            _netsh_words "${_netsh_gattached[*]}" "$cur"
        else
            _netsh_words "${_netsh_gopts[*]}" "$cur"
        fi
        _netsh_trim "$cur"
        return 0
    fi

    # command words
    [[ ${words[i]} == ip ]] && ((i < cword)) && ((i++))
    _netsh_node ""
    while ((i < cword)) && ((${#names[@]})); do
        w=${words[i]}
        [[ -n $iscmd && ${#slots[@]} -gt 0 ]] && ! _netsh_isname "$w" && break
        _netsh_match "$w" || return 0
        path=${path:+$path }$REPLY
        _netsh_node "$path"
        ((i++))
    done
    [[ $i -lt $cword && -z $iscmd ]] && return 0
    if ((i == cword)); then
        for e in "${names[@]}"; do
            w=${e#*=}; w=${w%%=*}
            [[ ${e%%=*} == "$cur"* && $seen != *" $w "* ]] || continue
            seen+="$w "; COMPREPLY+=("${e%%=*}")
        done
        for e in "${aliases[@]}"; do
            w=${e#*=}
            [[ ${e%%=*} == "$cur" && $seen != *" $w "* ]] && { seen+="$w "; COMPREPLY+=("$w"); }
        done
    fi
    [[ -n $iscmd ]] || { _netsh_trim "$cur"; return 0; }

    # the command's slots, as the parser fills them
    for ((j = i; j < cword; j++)); do
        w=${words[j]}
        if [[ -n $want ]]; then given+="$want "; want=; continue; fi
        open=
        for e in "${slots[@]}"; do
            [[ $e == [pr]\|* ]] || continue
            k=${e#?|}; k=${k%%|*}
            [[ $e == r\|* || $given != *" $k "* ]] && { open=$k; break; }
        done
        if _netsh_kw "$w" "${open:+1}"; then
            e=${REPLY#*|}; e=${e%%|*}
            [[ $given == *" $e "* ]] && return 0
            if [[ $REPLY == f\|* ]]; then given+="$e "; else want=$e; fi
        elif [[ -n $open ]]; then
            given+="$open "
        else
            return 0
        fi
    done
    open=
    for e in "${slots[@]}"; do
        w=${e#*|}; w=${w%%|*}
        if [[ -n $want ]]; then
            [[ $w == "$want" ]] && { e=${e#*|*|*|}; _netsh_values "${e%%|*}" "$cur"; break; }
            continue
        fi
        [[ $e != r\|* && $given == *" $w "* ]] && continue
        j=${e#*|*|}; j=${j%%|*}
        [[ -n $j && $j == "$cur"* ]] && COMPREPLY+=("$j")
        if [[ $e == [pr]\|* && -z $open ]]; then
            open=$w; e=${e#*|*|*|}; _netsh_values "${e%%|*}" "$cur"
        fi
    done
    _netsh_trim "$cur"
}

# bash splits words at COMP_WORDBREAKS (= and :); replies replace only the last piece
_netsh_trim() {
    local piece=${COMP_WORDS[COMP_CWORD]-} i
    [[ -n ${COMP_LINE+set} && -n $piece && $1 != "$piece" && $1 == *"$piece" ]] || return 0
    local prefix=${1%"$piece"}
    for i in "${!COMPREPLY[@]}"; do COMPREPLY[i]=${COMPREPLY[i]#"$prefix"}; done
}

complete -F _netsh netsh
