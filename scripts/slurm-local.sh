#!/usr/bin/env bash
# A one-node Slurm cluster on this machine (munge, slurmctld, slurmd as root) for the Slurm
# executor's end-to-end tests and for trying `avatarflow run --executor slurm` (docs/slurm.md).
#
#   scripts/slurm-local.sh start    installs slurm-wlm and munge when missing, writes
#                                   /etc/slurm/slurm.conf, starts the daemons, waits for the node
#   scripts/slurm-local.sh stop     stops the daemons it started (by their pid files)
#   scripts/slurm-local.sh status   exits 0 when the node answers
#
# State, spool and logs live in $AVATARFLOW_SLURM_DIR (default /tmp/avatarflow-slurm); finished
# jobs are recorded in $AVATARFLOW_SLURM_DIR/log/jobcomp.txt. `start` is idempotent. The node
# declares 8 CPUs whatever the machine has (config_overrides), so small test jobs run side by side.
set -euo pipefail

scratch=${AVATARFLOW_SLURM_DIR:-/tmp/avatarflow-slurm}
conf=/etc/slurm/slurm.conf
marker="# written by AvatarFlow scripts/slurm-local.sh"

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# Starts a daemon without the descriptors this script inherited above stderr. A daemon keeps what
# it inherits, and a caller that waits for its pipes or sockets to close never returns: Foundation's
# Process on Linux learns that its child exited when a socket it passed to the child closes
# (swift-corelibs-foundation issue #4795), so a Swift test that ran `start` hung with the script done.
as_daemon() {
  (
    for fd in /proc/$BASHPID/fd/*; do
      fd=${fd##*/}
      if [ "$fd" -gt 2 ]; then eval "exec $fd>&-" 2>/dev/null || true; fi
    done
    as_root "$@"
  )
}

# True when the daemon's pid file (default $scratch/NAME.pid) names a live process of that name (a
# stale pid may be reused). Usage: running NAME [PIDFILE]
running() {
  local pidfile="${2:-$scratch/$1.pid}"
  [ -f "$pidfile" ] && [ "$(cat "/proc/$(cat "$pidfile")/comm" 2>/dev/null)" = "$1" ]
}

# Ends a daemon: SIGTERM, up to 10 s for the process to go (a daemon may remove its pid file before
# it has exited, so the pid is watched, not the file), then SIGKILL. A daemon started from a process
# that blocks SIGTERM (e.g. a test runner's thread) inherits the blocked mask and never sees the TERM.
# Usage: end_daemon NAME [PIDFILE]
end_daemon() {
  running "$@" || return 0
  local pid
  pid=$(cat "${2:-$scratch/$1.pid}")
  as_root kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 40); do
    [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$1" ] || return 0
    sleep 0.25
  done
  as_root kill -KILL "$pid" 2>/dev/null || true
}

node_up() {
  sinfo -h -o %T 2>/dev/null | grep -Eq '^(idle|mixed|allocated|completing)'
}

install_packages() {
  local missing=()
  for package in slurm-wlm munge; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
  done
  [ ${#missing[@]} -eq 0 ] && return
  echo "slurm-local: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  as_root apt-get update -qq
  as_root apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

write_config() {
  local host
  host=$(hostname -s)
  if [ -f "$conf" ] && ! grep -q "$marker" "$conf"; then
    echo "slurm-local: $conf exists and was not written by this script; not touching it" >&2
    echo "slurm-local: move it aside to use the local test cluster" >&2
    exit 1
  fi
  as_root mkdir -p /etc/slurm "$scratch/state" "$scratch/spool" "$scratch/log"
  as_root tee "$conf" >/dev/null <<EOF
$marker (scratch: $scratch)
ClusterName=local
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation=$scratch/state
SlurmdSpoolDir=$scratch/spool
SlurmctldPidFile=$scratch/slurmctld.pid
SlurmdPidFile=$scratch/slurmd.pid
SlurmctldLogFile=$scratch/log/slurmctld.log
SlurmdLogFile=$scratch/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/filetxt
JobCompLoc=$scratch/log/jobcomp.txt
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
SlurmdParameters=config_overrides
ReturnToService=2
MinJobAge=600
SchedulerParameters=sched_interval=1
NodeName=$host CPUs=8 RealMemory=16000 State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
}

start() {
  if node_up; then
    echo "slurm-local: already running"
    return
  fi
  install_packages
  write_config
  as_root mkdir -p /run/munge
  as_root chown munge:munge /run/munge 2>/dev/null || true
  if ! pgrep -x munged >/dev/null; then
    as_daemon munged --force 2>/dev/null || as_daemon munged
    touch "$scratch/munged.started-here"
  fi
  running slurmctld || as_daemon slurmctld
  running slurmd || as_daemon slurmd
  for _ in $(seq 1 60); do
    if node_up; then
      echo "slurm-local: node $(hostname -s) is up (logs: $scratch/log)"
      return
    fi
    sleep 0.5
  done
  echo "slurm-local: the node did not come up within 30 s; see $scratch/log/slurmctld.log and slurmd.log" >&2
  sinfo >&2 || true
  exit 1
}

stop() {
  end_daemon slurmd
  end_daemon slurmctld
  if [ -f "$scratch/munged.started-here" ]; then
    end_daemon munged /run/munge/munged.pid
    rm -f "$scratch/munged.started-here"
  fi
  echo "slurm-local: stopped"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) node_up ;;
  *)
    echo "usage: scripts/slurm-local.sh start|stop|status" >&2
    exit 2
    ;;
esac
