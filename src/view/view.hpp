// The view layer in one include: Snapshot, SnapshotMap, SnapshotEntry,
// SnapshotField, JsonField, SnapshotError and the pickers
// (spec/views.md). Everything lives in ktsnap::view.
#pragma once

#include "view/entry.hpp"
#include "view/error.hpp"
#include "view/field.hpp"
#include "view/json_field.hpp"
#include "view/map_view.hpp"
#include "view/pickers.hpp"
#include "view/snapshot.hpp"
