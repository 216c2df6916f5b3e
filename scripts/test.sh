#!/usr/bin/env bash
# Installs what is missing, builds in release mode (numeric tests are 10-50x slower in debug)
# and runs every test. Extra arguments go to `swift test` (e.g. --filter AvatarFlowTests).
# The Slurm executor's end-to-end tests (SlurmTests) need a Slurm cluster: this script starts the
# one-node cluster of scripts/slurm-local.sh when none answers, and stops it again at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh

started_slurm=false
if ! scripts/slurm-local.sh status; then
  if scripts/slurm-local.sh start; then
    started_slurm=true
  else
    echo "test.sh: could not start the local Slurm cluster (needs root for apt-get and the daemons);" >&2
    echo "test.sh: SlurmTests will fail. Start one with scripts/slurm-local.sh start, or skip them with --skip SlurmTests" >&2
  fi
fi
stop_slurm() { if [ "$started_slurm" = true ]; then scripts/slurm-local.sh stop; fi; }
trap stop_slurm EXIT

swift build -c release -Xswiftc -enable-testing --build-tests
swift test -c release -Xswiftc -enable-testing --skip-build "$@"
