#!/bin/bash
# Smoke test of podlab-shim (docs/shim.md) against a busybox rootfs.
# Usage: shim-smoke.sh /path/to/podlab-shim     (root, cgroup v1 pids+memory)
set -u

SHIM=$(readlink -f "${1:?usage: $0 /path/to/podlab-shim}")
BUSYBOX=${BUSYBOX:-/bin/busybox}
T=$(mktemp -d /tmp/shim-smoke.XXXXXX)
CG=podlab-shimtest-$$
PIDS_CG=/sys/fs/cgroup/pids/$CG
MEM_CG=/sys/fs/cgroup/memory/$CG
FAILS=0
CHECKS=0

cleanup() {
  local f pid
  # Processes we started, by pid only.
  for f in "$T"/*/shim.pid; do
    [ -f "$f" ] && pid=$(cat "$f") && kill -9 "$pid" 2>/dev/null
  done
  for f in "$T"/*/init.pid; do
    [ -f "$f" ] && pid=$(cat "$f") && kill -9 "$pid" 2>/dev/null
  done
  for cg in "$PIDS_CG" "$MEM_CG"; do
    [ -d "$cg" ] || continue
    for pid in $(cat "$cg/cgroup.procs" 2>/dev/null); do kill -9 "$pid" 2>/dev/null; done
  done
  sleep 0.2
  rmdir "$PIDS_CG" "$MEM_CG" 2>/dev/null
  rm -rf "$T"
}
trap cleanup EXIT
[ -n "${KEEP:-}" ] && trap - EXIT

check() { # check DESCRIPTION COMMAND...
  local what=$1; shift
  CHECKS=$((CHECKS + 1))
  if "$@"; then echo "ok   $what"; else echo "FAIL $what"; FAILS=$((FAILS + 1)); fi
}
contains() { grep -qE -- "$2" "$1"; }
lacks() { ! grep -qE -- "$2" "$1"; }

# ---- rootfs -------------------------------------------------------------
R=$T/rootfs
mkdir -p "$R/bin" "$R/proc" "$R/sys" "$R/dev" "$R/tmp" "$R/etc"
cp "$BUSYBOX" "$R/bin/busybox"
for a in $("$R/bin/busybox" --list); do [ "$a" = busybox ] || ln -sf busybox "$R/bin/$a"; done
echo "root:x:0:0:root:/root:/bin/sh" > "$R/etc/passwd"

mkdir -p "$PIDS_CG" "$MEM_CG" || { echo "cannot create cgroups (need root and cgroup v1)"; exit 1; }
echo 64 > "$PIDS_CG/pids.max"

# Allow every x86_64 syscall but a Docker-like deny list.
DENY=" add_key bpf clock_adjtime clock_settime create_module delete_module finit_module get_kernel_syms \
 init_module ioperm iopl kcmp kexec_file_load kexec_load keyctl lookup_dcookie mount move_mount \
 fsopen fsconfig fsmount fspick open_tree name_to_handle_at nfsservctl open_by_handle_at perf_event_open \
 pivot_root process_vm_readv process_vm_writev ptrace query_module quotactl reboot request_key \
 setns settimeofday swapon swapoff sysfs _sysctl umount2 unshare uselib userfaultfd ustat vm86 vm86old "
SYSCALLS=$(sed -n 's/^#define __NR_\([a-z0-9_]*\) .*/\1/p' /usr/include/x86_64-linux-gnu/asm/unistd_64.h)

enc() { # plan argument encoding
  local s=$1 out="" c i
  [ -z "$s" ] && { printf '%%00'; return; }
  for ((i = 0; i < ${#s}; i++)); do
    c=${s:i:1}
    case "$c" in
      ' ') out+=%20 ;; '%') out+=%25 ;; $'\t') out+=%09 ;; $'\n') out+=%0A ;;
      *) out+=$c ;;
    esac
  done
  printf '%s' "$out"
}
args_line() { local a line=args; for a in "$@"; do line+=" $(enc "$a")"; done; echo "$line"; }

CAPS="CAP_CHOWN CAP_DAC_OVERRIDE CAP_FSETID CAP_FOWNER CAP_MKNOD CAP_NET_RAW CAP_SETGID CAP_SETUID CAP_SETFCAP CAP_SETPCAP CAP_NET_BIND_SERVICE CAP_SYS_CHROOT CAP_KILL CAP_AUDIT_WRITE"

common_plan() { # common_plan DIR
  local d=$1
  cat <<EOF
version 1
# written by shim-smoke.sh
id $(basename "$d")
rootfs $R
namespace pid
namespace mount
namespace uts
namespace ipc
namespace network
namespace cgroup
hostname smokebox
mount proc /proc proc nosuid,noexec,nodev
mount tmpfs /dev tmpfs nosuid,strictatime mode=755,size=65536k
device /dev/null c 1 3 666 0 0
device /dev/zero c 1 5 666 0 0
device /dev/full c 1 7 666 0 0
device /dev/random c 1 8 666 0 0
device /dev/urandom c 1 9 666 0 0
device /dev/tty c 5 0 666 0 0
mount devpts /dev/pts devpts nosuid,noexec newinstance,ptmxmode=0666,mode=0620,gid=5
symlink pts/ptmx /dev/ptmx
symlink /proc/self/fd /dev/fd
mount shm /dev/shm tmpfs nosuid,noexec,nodev mode=1777,size=65536k
mount mqueue /dev/mqueue mqueue nosuid,noexec,nodev
mount sysfs /sys sysfs ro,nosuid,noexec,nodev
mkdir /run/data 0750
EOF
  for p in /proc/acpi /proc/asound /proc/kcore /proc/keys /proc/latency_stats /proc/timer_list \
           /proc/timer_stats /proc/sched_debug /proc/scsi /sys/firmware; do
    echo "masked $p"
  done
  for p in /proc/bus /proc/fs /proc/irq /proc/sys /proc/sysrq-trigger; do echo "readonly $p"; done
  cat <<EOF
sysctl net.ipv4.ip_forward 1
cwd /work
env PATH=/usr/local/bin:/usr/bin:/bin
env GREETING=$(enc "hello world")
user 0 0
umask 0022
EOF
  for s in bounding effective permitted; do echo "cap $s $CAPS"; done
  cat <<EOF
cap inheritable
no-new-privileges
oom-score-adj 0
rlimit RLIMIT_NOFILE 1048576 1048576
seccomp-default errno 1
seccomp-arch x86
cgroup $PIDS_CG/cgroup.procs
cgroup $MEM_CG/cgroup.procs
oom-counter $MEM_CG/memory.oom_control v1
log $d/container.log
EOF
  for s in $SYSCALLS; do
    case "$DENY" in *" $s "*) ;; *) echo "seccomp allow 0 $s" ;; esac
  done
  echo "seccomp allow 0 personality 0 eq 0"
  echo "seccomp errno 38 clone3"
}

container() { # container NAME [extra directives via stdin] -- ARGS...
  local d=$T/$1; shift
  [ "${1:-}" = -- ] && shift
  mkdir -p "$d"
  { common_plan "$d"; cat; args_line "$@"; } > "$d/plan"
  echo "$d"
}

ctl() { # ctl DIR REQUEST...
  python3 - "$1/ctl.sock" "${*:2}" <<'EOF'
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
s.sendall((sys.argv[2] + "\n").encode())
out = b""
while True:
    d = s.recv(65536)
    if not d:
        break
    out += d
sys.stdout.write(out.decode())
EOF
}

wait_then() { # wait_then DIR REQUEST...: register a wait, send REQUEST (reply on stdout),
  # then collect the wait answer in DIR/wait.out. A quick container is gone
  # (with its socket) before a wait sent afterwards could arrive.
  python3 - "$1/ctl.sock" "$1/wait.out" "${*:2}" <<'EOF'
import socket, sys
def conn(req):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(sys.argv[1])
    s.sendall((req + "\n").encode())
    return s
def answer(s):
    out = b""
    while True:
        d = s.recv(65536)
        if not d:
            return out.decode()
        out += d
w = conn("wait")
answer(conn("state"))  # the wait is registered once this is answered
sys.stdout.write(answer(conn(sys.argv[3])))
open(sys.argv[2], "w").write(answer(w))
EOF
}

create() { "$SHIM" create "$1" > "$1/create.out" 2>&1; echo $? > "$1/create.rc"; }
run() { # run DIR: create, start, wait
  create "$1"
  wait_then "$1" start > "$1/start.out"
}
logtext() { sed -E 's/^[^ ]+ (stdout|stderr) [FP] //' "$1/container.log"; }
gone() { # the shim process is gone (reaped by whoever inherited it)
  local p i; p=$(cat "$1/shim.pid" 2>/dev/null) || return 0
  for i in $(seq 50); do kill -0 "$p" 2>/dev/null || return 0; sleep 0.1; done
  return 1
}
kill_wait() { wait_then "$1" kill "$2" > "$1/kill.out"; }

echo "== basic container: status, fds, identity"
D=$(container basic </dev/null -- sh -c 'cat /proc/self/status; exec ls /proc/self/fd')
create "$D"
check "create exits 0" grep -qx 0 "$D/create.rc"
for s in clone cgroup namespaces mounts devices pivot_root hostname; do
  check "create reports step $s" contains "$D/create.out" "^step $s [0-9]{19} [0-9]+$"
done
check "create warns about the clamped RLIMIT_NOFILE" contains "$D/create.out" '^warn rlimit RLIMIT_NOFILE: hard limit 1048576 above the current [0-9]+, clamped$'
check "create ends with created INIT SHIM" contains "$D/create.out" "^created [0-9]+ [0-9]+$"
check "ctl.sock is a 0600 socket" test "$(stat -c %a "$D/ctl.sock")" = 600
check "state is created" contains <(ctl "$D" state) "^ok created $(cat "$D/init.pid")$"
check "init pid is in the pids cgroup" grep -qx "$(cat "$D/init.pid")" "$PIDS_CG/cgroup.procs"
SHIMPID=$(cat "$D/shim.pid")
# After create the shim execs the small musl monitor (same pid): it is
# small right after a request, not only once idle.
ctl "$D" state > /dev/null
RSS=$(awk '/VmRSS/ {print $2}' /proc/$SHIMPID/status)
echo "     supervising shim (monitor) VmRSS right after a request: ${RSS} kB"
check "shim VmRSS right after a request under 200 kB" test "$RSS" -lt 200
wait_then "$D" start > "$D/start.out"
check "start answers seccomp, exec steps and ok" bash -c "grep -qE '^step seccomp ' '$D/start.out' && grep -qE '^step exec ' '$D/start.out' && tail -1 '$D/start.out' | grep -qx ok"
check "wait answers the exit record" contains "$D/wait.out" '^ok \{"pid":[0-9]+,"exitCode":0,"signal":0,"oomKilled":false,"startedAt":[0-9]{19},"finishedAt":[0-9]{19},"message":""\}$'
check "exit.json equals the wait answer" test "ok $(cat "$D/exit.json")" = "$(cat "$D/wait.out")"
check "ctl.sock removed" test ! -e "$D/ctl.sock"
check "shim exited" gone "$D"
check "log lines are CRI formatted" bash -c "! grep -vE '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{9}Z (stdout|stderr) [FP] ' '$D/container.log'"
logtext "$D" > "$D/out.txt"
check "CapEff is Docker's 14" contains "$D/out.txt" '^CapEff:[[:space:]]+00000000a80425fb$'
check "CapBnd is Docker's 14" contains "$D/out.txt" '^CapBnd:[[:space:]]+00000000a80425fb$'
check "NoNewPrivs 1" contains "$D/out.txt" '^NoNewPrivs:[[:space:]]+1$'
check "Seccomp 2" contains "$D/out.txt" '^Seccomp:[[:space:]]+2$'
check "only fds 0 1 2 (+ ls's own)" test "$(sed -n '/^Seccomp_filters/,$p' "$D/out.txt" | grep -E '^[0-9]+$' | tr '\n' ' ')" = "0 1 2 3 "

echo "== environment seen inside"
D=$(container inside </dev/null -- sh -c 'echo pid=$$; hostname; pwd; echo "$GREETING"; ulimit -n; umask;
  cat /proc/sys/net/ipv4/ip_forward; echo 1 > /proc/sys/vm/overcommit_memory && echo sysrw;
  wc -c < /proc/kcore; ls /sys/firmware | wc -l; ls -ld /run/data; ls -l /dev/null;
  touch /proc/sysrq-trigger 2>/dev/null || echo sysrq-ro; mount -t tmpfs x /tmp 2>&1 || echo mount-denied;
  cat /proc/self/oom_score_adj; echo err >&2; exit 3')
run "$D"
logtext "$D" > "$D/out.txt"
check "PID 1" contains "$D/out.txt" '^pid=1$'
check "hostname" contains "$D/out.txt" '^smokebox$'
check "cwd created and entered" contains "$D/out.txt" '^/work$'
check "env with an encoded space" contains "$D/out.txt" '^hello world$'
check "nofile clamped to the hard limit" contains "$D/out.txt" "^$(ulimit -Hn)$"
check "umask" contains "$D/out.txt" '^0022$'
check "sysctl written" contains "$D/out.txt" '^1$'
check "/proc/sys read-only" lacks "$D/out.txt" '^sysrw$'
check "/proc/kcore masked" contains "$D/out.txt" '^0$'
check "/proc/sysrq-trigger read-only" contains "$D/out.txt" '^sysrq-ro$'
check "mkdir mode" contains "$D/out.txt" '^drwxr-x---'
check "device node" contains "$D/out.txt" '^crw-rw-rw- +1 root +(root|0) +1, +3 '
check "mount denied by caps/seccomp" contains "$D/out.txt" 'mount-denied'
check "stderr logged as stderr" contains "$D/container.log" ' stderr F err$'
check "exit 3 recorded" contains "$D/exit.json" '"exitCode":3,"signal":0,'

echo "== long lines and a last line without newline"
D=$(container long </dev/null -- sh -c 'head -c 40000 /dev/zero | tr "\0" a; echo; printf tail')
run "$D"
check "40000-byte line split P P F" test "$(awk '{print $2 $3 length($4)}' "$D/container.log" | tr '\n' ' ')" = "stdoutP16384 stdoutP16384 stdoutF7232 stdoutF4 "

echo "== signals"
D=$(container killed </dev/null -- sleep 1000)
create "$D"; ctl "$D" start > /dev/null
check "state is running" contains <(ctl "$D" state) "^ok running [0-9]+$"
kill_wait "$D" 9
check "kill 9 answers ok" contains "$D/kill.out" '^ok$'
check "wait answers 137" contains "$D/wait.out" '^ok .*"exitCode":137' 
check "killed by SIGKILL: 137/9" contains "$D/exit.json" '"exitCode":137,"signal":9,"oomKilled":false'
check "kill after exit fails" test ! -e "$D/ctl.sock"
D=$(container term </dev/null -- sh -c 'trap "exit 7" TERM; echo ready; while :; do sleep 0.1; done')
create "$D"; ctl "$D" start > /dev/null
for i in $(seq 50); do grep -q ready "$D/container.log" 2>/dev/null && break; sleep 0.1; done
kill_wait "$D" 15
check "SIGTERM handled by the container: exit 7" contains "$D/exit.json" '"exitCode":7,"signal":0'

echo "== OOM kill"
echo 16M > "$MEM_CG/memory.limit_in_bytes"
[ -e "$MEM_CG/memory.memsw.limit_in_bytes" ] && echo 16M > "$MEM_CG/memory.memsw.limit_in_bytes"
D=$(container oom </dev/null -- tail /dev/zero)
run "$D"
check "OOM: exitCode 137, oomKilled true" contains "$D/exit.json" '"exitCode":137,"signal":9,"oomKilled":true'
[ -e "$MEM_CG/memory.memsw.limit_in_bytes" ] && echo -1 > "$MEM_CG/memory.memsw.limit_in_bytes"
echo -1 > "$MEM_CG/memory.limit_in_bytes"

echo "== command not found"
D=$(container notfound </dev/null -- no-such-command)
create "$D"
check "create exits 1" grep -qx 1 "$D/create.rc"
check "error line" test "$(tail -1 "$D/create.out")" = 'error executable "no-such-command" not found in $PATH'
check "exit record says 127" contains "$D/exit.json" '"exitCode":127,.*"message":"executable \\"no-such-command\\" not found in \$PATH"'
check "no ctl.sock left" test ! -e "$D/ctl.sock"
check "no shim left" test ! -e "$D/shim.pid"
check "no init left in the cgroup" test -z "$(cat "$PIDS_CG/cgroup.procs")"

echo "== bad plan"
D=$T/badplan; mkdir -p "$D"; printf 'version 1\nfoo bar\n' > "$D/plan"
create "$D"
check "unknown directive rejected" test "$(cat "$D/create.out")" = 'error failed to parse plan line 2: unknown directive "foo"'

echo "== OCI mode: plan checks and a runtime that refuses"
D=$T/ociterm; mkdir -p "$D"; printf 'version 1\nid x\noci-runtime /bin/false\noci-root %s/ocistate\nterminal\n' "$T" > "$D/plan"
create "$D"
check "OCI plan: terminal refused" test "$(cat "$D/create.out")" = 'error failed to parse plan: terminal containers are not supported on OCI runtimes (they need --console-socket)'
D=$T/ociargs; mkdir -p "$D"; printf 'version 1\nid x\noci-runtime /bin/false\noci-root %s/ocistate\nargs sh\n' "$T" > "$D/plan"
create "$D"
check "OCI plan: container directives refused" test "$(cat "$D/create.out")" = 'error failed to parse plan: an OCI plan takes no container directives (the runtime reads config.json)'
printf '#!/bin/sh\necho "refused: $*" >&2\nexit 3\n' > "$T/refusing-runtime"; chmod +x "$T/refusing-runtime"
D=$T/ocirefuse; mkdir -p "$D"; printf 'version 1\nid c1\noci-runtime %s/refusing-runtime\noci-root %s/ocistate\nlog %s/container.log\n' "$T" "$T" "$D" > "$D/plan"
create "$D"
check "OCI create failure: exit 1 with the runtime's words" bash -c "grep -qx 1 '$D/create.rc' && test \"\$(tail -1 '$D/create.out')\" = 'error $T/refusing-runtime create exited with status 3: refused: --root $T/ocistate create --bundle $D --pid-file $D/oci.pid c1'"
check "OCI create failure: nothing left" bash -c "test ! -e '$D/ctl.sock' && test ! -e '$D/shim.pid' && test ! -e '$D/init.pid'"

echo "== exec"
D=$(container execd </dev/null -- sleep 1000)
create "$D"; ctl "$D" start > /dev/null
xplan() { # xplan NAME ARGS... -> plan path
  local p=$T/$1.xplan; shift
  { echo "version 1"; echo "env PATH=/bin"; echo "cwd /"; echo "user 0 0"
    for s in bounding effective permitted; do echo "cap $s $CAPS"; done
    echo "no-new-privileges"; echo "seccomp-default errno 1"
    for s in $SYSCALLS; do case "$DENY" in *" $s "*) ;; *) echo "seccomp allow 0 $s" ;; esac; done
    echo "cgroup $PIDS_CG/cgroup.procs"; args_line "$@"; } > "$p"
  echo "$p"
}
"$SHIM" exec "$D" "$(xplan ps ps)" > "$T/exec-ps.out" 2>&1
check "exec ps sees init as PID 1" contains "$T/exec-ps.out" '^ +1 root .*sleep 1000'
"$SHIM" exec "$D" "$(xplan st cat /proc/self/status)" > "$T/exec-st.out" 2>&1
check "exec'd process: caps, no_new_privs, seccomp" bash -c "grep -qE '^CapEff:\s+00000000a80425fb' '$T/exec-st.out' && grep -qE '^NoNewPrivs:\s+1' '$T/exec-st.out' && grep -qE '^Seccomp:\s+2' '$T/exec-st.out'"
"$SHIM" exec "$D" "$(xplan fd ls /proc/self/fd)" > "$T/exec-fd.out" 2>&1
check "exec'd process: only fds 0 1 2 (+ ls's own)" test "$(tr '\n' ' ' < "$T/exec-fd.out")" = "0 1 2 3 "
"$SHIM" exec "$D" "$(xplan ex5 sh -c 'exit 5')"; rc=$?
check "exec exit code 5" test $rc = 5
"$SHIM" exec "$D" "$(xplan sig sh -c 'kill -9 $$')"; rc=$?
check "exec killed by signal: 137" test $rc = 137
"$SHIM" exec "$D" "$(xplan nf nope)" 2> "$T/exec-nf.err"; rc=$?
check "exec not found: 127" test $rc = 127
check "exec not found message" test "$(cat "$T/exec-nf.err")" = 'podlab-shim: executable "nope" not found in $PATH'
printf 'version 1\nrootfs /\nargs true\n' > "$T/bad.xplan"
"$SHIM" exec "$D" "$T/bad.xplan" 2>/dev/null; rc=$?
check "exec plan with rootfs: 125" test $rc = 125
{ cat "$(xplan ttyx sh -c 'test -t 0 && echo tty-yes')"; echo terminal; } > "$T/tty.xplan"
"$SHIM" exec "$D" "$T/tty.xplan" < /dev/null > "$T/exec-tty.out" 2>&1
check "exec with a terminal" contains "$T/exec-tty.out" 'tty-yes'
"$SHIM" exec "$D" "$(xplan slow sleep 1000)" & XPID=$!
sleep 0.5
kill -TERM $XPID; wait $XPID; rc=$?
check "SIGTERM to the exec shim reaches the process (143)" test $rc = 143
"$SHIM" exec "$D" "$(xplan orphan sleep 999)" & XPID=$!
sleep 0.5
kill -KILL $XPID; wait $XPID 2>/dev/null
sleep 0.3
check "a killed exec shim takes its process along" bash -c "! ps -eo args | grep -qx 'sleep 999'"
kill_wait "$D" 9
check "exec'd processes gone with the container" test -z "$(cat "$PIDS_CG/cgroup.procs")"

echo "== terminal container"
D=$(container tty <<<'terminal' -- sh -c 'test -t 1 && echo tty-yes; echo second')
run "$D"
check "pty output logged as stdout" contains "$D/container.log" ' stdout F tty-yes'
check "exit 0 with a terminal" contains "$D/exit.json" '"exitCode":0,'

echo "== exec failure at start (permission denied)"
D=$(container noexec </dev/null -- /bin/sh -c true)
create "$D"
chmod 644 "$R/bin/busybox"
wait_then "$D" start > "$D/start.out"
chmod 755 "$R/bin/busybox"
check "start answers error" contains "$D/start.out" '^error failed to exec "/bin/sh": Permission denied$'
check "exit record 126" contains "$D/exit.json" '"exitCode":126,.*Permission denied'

echo "== seccomp BPF cache"
mkdir -p "$T/seccomp"
BPF=$T/seccomp/profile.bpf
SCPROBE='grep -E "^Seccomp(_filters)?:" /proc/self/status; mount -t tmpfs x /tmp 2>/dev/null || echo mount-denied'
D=$(container bpf1 <<<"seccomp-bpf $BPF" -- sh -c "$SCPROBE")
run "$D"
check "a missing cache: compiled at create (seccomp-compile step)" contains "$D/create.out" "^step seccomp-compile [0-9]{19} [0-9]+$"
check "the cache file is written: mode 0600, whole instructions" bash -c "test \"\$(stat -c %a '$BPF')\" = 600 && test -s '$BPF' && test \$((\$(stat -c %s '$BPF') % 8)) = 0"
check "no temp file left next to it" test "$(ls -A "$T/seccomp")" = profile.bpf
logtext "$D" > "$D/out.txt"
check "compiled filter: Seccomp 2, mount refused" bash -c "grep -qE '^Seccomp:\s+2$' '$D/out.txt' && grep -qx mount-denied '$D/out.txt'"
cp "$BPF" "$T/profile.bpf.first"
D=$(container bpf2 <<<"seccomp-bpf $BPF" -- sh -c "$SCPROBE")
run "$D"
check "a cached filter: no seccomp-compile step" lacks "$D/create.out" "^step seccomp-compile "
check "cached filter loaded at start (seccomp step)" contains "$D/start.out" "^step seccomp [0-9]{19} [0-9]+$"
logtext "$D" > "$D/out.txt"
check "cached filter: Seccomp 2, one filter, mount refused" bash -c "grep -qE '^Seccomp:\s+2$' '$D/out.txt' && grep -qE '^Seccomp_filters:\s+1$' '$D/out.txt' && grep -qx mount-denied '$D/out.txt'"
printf 'abc' > "$BPF"
D=$(container bpf3 <<<"seccomp-bpf $BPF" -- sh -c "$SCPROBE")
run "$D"
check "a corrupt cache file: warned and rebuilt" bash -c "grep -qx 'warn seccomp-bpf $BPF: 3 bytes are not a whole program, rebuilt' '$D/create.out' && grep -qE '^step seccomp-compile ' '$D/create.out'"
check "the rebuilt file replaces it, same program" cmp -s "$BPF" "$T/profile.bpf.first"
logtext "$D" > "$D/out.txt"
check "rebuilt filter: Seccomp 2, mount refused" bash -c "grep -qE '^Seccomp:\s+2$' '$D/out.txt' && grep -qx mount-denied '$D/out.txt'"
D=$(container bpf4 <<<"seccomp-bpf $T/no-such-dir/profile.bpf" -- sh -c "$SCPROBE")
run "$D"
logtext "$D" > "$D/out.txt"
check "a missing cache directory: warned, not cached, still filtered" bash -c "grep -qx 'warn seccomp-bpf $T/no-such-dir/profile.bpf: directory missing, filter not cached' '$D/create.out' && test ! -e '$T/no-such-dir' && grep -qE '^Seccomp:\s+2$' '$D/out.txt'"
D=$(container bpfexec </dev/null -- sleep 1000)
create "$D"; ctl "$D" start > /dev/null
{ cat "$(xplan bxbase cat /proc/self/status)"; echo "seccomp-bpf $T/seccomp/exec.bpf"; } > "$T/bx.xplan"
"$SHIM" exec "$D" "$T/bx.xplan" > "$T/exec-bx1.out" 2>&1
check "exec compiles and writes the cache" bash -c "test -s '$T/seccomp/exec.bpf' && grep -qE '^Seccomp:\s+2' '$T/exec-bx1.out'"
"$SHIM" exec "$D" "$T/bx.xplan" > "$T/exec-bx2.out" 2>&1
check "exec with the cached filter: Seccomp 2" grep -qE '^Seccomp:\s+2' "$T/exec-bx2.out"
kill_wait "$D" 9

echo "== stdin and attach"
attach() { # attach DIR STEP...: one attach connection; steps i:TEXT (stdin), r:ROWS:COLS, c (end input),
  # w:TEXT (wait for TEXT in the output), x (wait for the exit record), q (detach); prints the answer
  # line, what came per stream, and the exit record
  python3 - "$1/ctl.sock" "${@:2}" <<'EOF2'
import socket, struct, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
s.sendall(b"attach\n")
buf = b""
while b"\n" not in buf:
    d = s.recv(1)
    if not d:
        break
    buf += d
print("answer " + buf.decode().strip())
out = {"o": b"", "e": b""}
rest = b""
def pump(until):
    global rest
    s.settimeout(10)
    end = time.time() + 10
    while time.time() < end:
        while len(rest) >= 5:
            t, n = rest[0:1].decode(), struct.unpack(">I", rest[1:5])[0]
            if len(rest) < 5 + n:
                break
            body, rest = rest[5:5 + n], rest[5 + n:]
            if t == "x":
                print("exit " + body.decode())
                return True
            out[t] += body
        if until is not None and until in out["o"] + out["e"]:
            return True
        d = s.recv(65536)
        if not d:
            return False
        rest += d
    return False
def frame(t, data):
    s.sendall(t.encode() + struct.pack(">I", len(data)) + data)
for step in sys.argv[2:]:
    k, _, v = step.partition(":")
    if k == "i":
        frame("i", v.replace("\\n", "\n").encode())
    elif k == "r":
        rows, cols = v.split(":")
        frame("r", struct.pack(">HH", int(rows), int(cols)))
    elif k == "c":
        frame("c", b"")
    elif k == "w":
        pump(v.encode())
    elif k == "x":
        pump(None)
    elif k == "q":
        s.close()
        break
for t in "oe":
    print(t + " " + repr(out[t].decode()))
EOF2
}
D=$(container stdincat <<<'stdin' -- cat)
create "$D"
RSS=$(awk '/^VmRSS/ {print $2}' "/proc/$(cat "$D/shim.pid")/status")
check "idle shim with stdin: VmRSS ($RSS kB) under 200 kB" test "$RSS" -lt 200
ctl "$D" start > /dev/null
attach "$D" 'i:ping\n' 'w:ping' q > "$D/attach1.out"
check "attach answers ok" contains "$D/attach1.out" '^answer ok$'
check "stdin reaches cat, its output comes back as o frames" contains "$D/attach1.out" '^o .ping\\n.$'
attach "$D" 'i:pong\n' 'w:pong' q > "$D/attach2.out"
check "a second attach after the first detached (no stdin-once): still open" contains "$D/attach2.out" '^o .pong\\n.$'
check "the CRI log keeps being written" contains "$D/container.log" ' stdout F pong$'
check "still running after detaching" contains <(ctl "$D" state) '^ok running '
kill_wait "$D" 9
check "attach after the exit refused" bash -c "! test -e '$D/ctl.sock'"
D=$(container stdinonce <<<'stdin-once' -- cat)
create "$D"; ctl "$D" start > /dev/null
attach "$D" 'i:once\n' 'w:once' q > "$D/attach.out"
check "stdin-once: echoed" contains "$D/attach.out" '^o .once\\n.$'
check "stdin-once: detaching closes stdin, cat exits 0" bash -c "gone '$D' 2>/dev/null; for i in \$(seq 50); do test -e '$D/exit.json' && break; sleep 0.1; done; grep -q '\"exitCode\":0,' '$D/exit.json'"
D=$(container ttyattach <<<$'terminal\nstdin' -- sh)
create "$D"; ctl "$D" start > /dev/null
attach "$D" r:30:91 'i:stty size; echo e$((6*7))\n' w:e42 'i:exit 4\n' x > "$D/attach.out"
check "terminal: resize applied" contains "$D/attach.out" '30 91'
check "terminal: input runs in the shell, one stream" bash -c "grep -q 'e42' '$D/attach.out' && grep -qx \"e ''\" '$D/attach.out'"
check "the exit record ends the stream" contains "$D/attach.out" '^exit \{"pid":[0-9]+,"exitCode":4,'
printf 'version 1\nstdin\nargs true\n' > "$T/stdin.xplan"
D=$(container stdinexec </dev/null -- sleep 1000)
create "$D"; ctl "$D" start > /dev/null
"$SHIM" exec "$D" "$T/stdin.xplan" 2>/dev/null; rc=$?
check "exec plan with stdin: 125" test $rc = 125
kill_wait "$D" 9

echo
echo "$((CHECKS - FAILS))/$CHECKS checks passed"
[ "$FAILS" -eq 0 ]
