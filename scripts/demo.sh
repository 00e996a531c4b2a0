#!/usr/bin/env bash
# The main job: install what is missing, build, and run `ktsnap demo`: it
# loads the maps of an example scheduler (examples/demo_sched.bpf.c) into
# the kernel, fills them with a synthetic workload of a few thousand tasks,
# captures them live, saves the report, prints it as text with example
# queries and their answers, and removes every BPF object it made.
# Needs root (creating BPF maps needs CAP_BPF and CAP_SYS_ADMIN).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" -ne 0 ]; then
  echo "demo.sh: run it as root: the demo creates BPF maps in the kernel (CAP_BPF and" >&2
  echo "CAP_SYS_ADMIN) and installs missing packages with apt. For example: sudo scripts/demo.sh" >&2
  exit 3
fi
scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)" --target ktsnap_cli ktsnap_demo_object >/dev/null
echo "\$ build/ktsnap demo"
build/ktsnap demo "$@"
