// The view layer in one include: Snapshot, SnapshotMap, SnapshotEntry,
// SnapshotField, JsonField, SnapshotError and the pickers
// (spec/views.md). Everything lives in ktsnap::view.
//
// Where ktsnap differs from the reference, and why:
//  - Values are raw bytes typed on read (value/value.hpp), not pre-rendered
//    trees: "rendered" means typed by BTF; a key or value without BTF is
//    raw bytes (NoRendered, "hex:" keys). A value whose captured bytes are
//    short is not a Truncated wrapper: the walker reaches the members that
//    are present and a scalar cut short reads as kind "Truncated".
//  - Kind names come from the Value kind; unions ("Union") and global
//    sections ("Datasec") are walkable like structs, and anonymous members
//    are flattened (as the BTF layer looks them up).
//  - Entries know their map, so NoRendered, PerCpuNotNarrowed and the
//    aggregates' NoMatch carry the real map name instead of "<entry>",
//    "<percpu-array>" or "<Percpu>".
//  - ARRAY maps with more than one entry are hash-style entries keyed by
//    the u32 index (the reference's views ignore them).
//  - Global sections include .data.<name> maps (DESIGN.md).
//  - active() also matches libbpf's 8-character map-name prefix of a longer
//    scheduler (object) name.
//  - A report without stats JSON yields MissingStats{tag,
//    NoScheduler{"no stats JSON in this report"}}; stats that do not parse
//    yield the same variant with simdjson's reason. Integer literals beyond
//    u64/i64 are read as floats (the reference's number model).
#pragma once

#include "view/entry.hpp"
#include "view/error.hpp"
#include "view/field.hpp"
#include "view/json_field.hpp"
#include "view/map_view.hpp"
#include "view/pickers.hpp"
#include "view/snapshot.hpp"
