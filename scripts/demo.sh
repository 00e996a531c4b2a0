#!/usr/bin/env bash
# The main job: install what is missing, build, and show the report that
# the build makes from the test fixtures (a BPF object compiled with clang,
# its real BTF, and synthetic scheduler data) with `ktsnap show`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)" --target ktsnap_cli ktsnap_fixture_report >/dev/null
echo "\$ ktsnap show build/fixtures/kinds.ktsnap --limit 4"
build/ktsnap show build/fixtures/kinds.ktsnap --limit 4
echo
echo "\$ ktsnap json build/fixtures/kinds.ktsnap --map kt_array"
build/ktsnap json build/fixtures/kinds.ktsnap --map kt_array
echo
