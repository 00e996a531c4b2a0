// libFuzzer target: scheduler stats JSON is hostile input (DESIGN.md, Bad
// input). The input becomes a report's stats JSON (through ReportBuilder,
// as a capture would store it); the view layer must parse it or report
// MissingStats, and every walk, coercion and iteration over what parsed
// must be safe. A few invariants are checked on the way (a crash = a bug):
//   - a path built from keys that exist resolves;
//   - stats_path(root, p) and root.get(p) agree;
//   - integers read back exactly as simdjson holds them;
//   - every error carries a non-empty message.
#include <simdjson.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "report/builder.hpp"
#include "report/report.hpp"
#include "view/view.hpp"

namespace {

using namespace ktsnap;
using namespace ktsnap::view;

constexpr int kMaxDepth = 6;
constexpr size_t kMaxKeysPerObject = 8;
constexpr size_t kMaxElements = 8;

volatile uint64_t g_sink;

void check(bool ok) {
  if (!ok) __builtin_trap();
}

void note(const SnapshotError& e) {
  std::string m = e.message();
  check(!m.empty());
  g_sink = g_sink + m.size() + e.hash();
}

template <typename T>
void consume(const ViewResult<T>& r) {
  if (!r.ok()) {
    note(r.error());
    return;
  }
  if constexpr (std::is_arithmetic_v<T>)
    g_sink = g_sink + static_cast<uint64_t>(r.value() == r.value());
  else
    g_sink = g_sink + r.value().size();
}

// Every coercion; exactness checks against the DOM.
void coerce_all(const JsonField& f) {
  auto u = f.as_u64();
  auto i = f.as_i64();
  consume(u);
  consume(i);
  consume(f.as_f64());
  consume(f.as_bool());
  consume(f.as_str());
  consume(f.as_u64_array());
  consume(f.as_u32_array());
  consume(f.as_i64_array());
  consume(f.as_f64_array());
  consume(f.as_bool_array());
  if (auto raw = f.raw()) {
    uint64_t uv;
    int64_t iv;
    if (raw->get_uint64().get(uv) == simdjson::SUCCESS) check(u.ok() && u.value() == uv);
    if (raw->get_int64().get(iv) == simdjson::SUCCESS) {
      check(i.ok() && i.value() == iv);
      if (iv >= 0) check(u.ok() && u.value() == uint64_t(iv));
    }
    if (u.ok() && i.ok() && i.value() >= 0 && raw->type() != simdjson::dom::element_type::DOUBLE &&
        raw->type() != simdjson::dom::element_type::STRING)
      check(u.value() == uint64_t(i.value()));
  } else {
    check(f.error() != nullptr);
    check(!u.ok() && u.error() == *f.error());  // Missing carries its error unchanged
  }
}

// `path` addresses `f` from the root; nullopt below an array element
// (elements have no path syntax).
void walk(const JsonField& root, const JsonField& f, const std::optional<std::string>& path, int depth) {
  coerce_all(f);
  if (depth >= kMaxDepth) return;
  // Failing walks from here.
  for (const char* bad : {"zz_not_a_key", "a..b", ".", "x.y"}) {
    JsonField g = f.get(bad);
    if (g.error()) note(*g.error());
  }
  auto raw = f.raw();
  if (!raw) return;
  simdjson::dom::object obj;
  if (raw->get_object().get(obj) == simdjson::SUCCESS) {
    size_t n = 0;
    for (auto kv : obj) {
      if (n++ >= kMaxKeysPerObject) break;
      std::string_view key = kv.key;
      if (key.empty() || key.find('.') != std::string_view::npos) continue;  // unreachable by a path
      JsonField child = f.get(key);
      check(child.is_present());
      std::optional<std::string> sub;
      if (path) {
        sub = path->empty() ? std::string(key) : *path + "." + std::string(key);
        JsonField from_root = stats_path(root, *sub);
        check(from_root.is_present());
      }
      walk(root, child, sub, depth + 1);
    }
    return;
  }
  size_t n = 0;
  for (const JsonField& e : f.iter_members()) {
    if (n++ >= kMaxElements) break;
    check(e.is_present());
    walk(root, e, std::nullopt, depth + 1);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ReportBuilder b;
  b.set_stats_json(std::string_view(reinterpret_cast<const char*>(data), size));
  auto bytes = b.finish();
  if (!bytes.ok()) return 0;
  auto report = Report::open_memory(bytes->data(), bytes->size());
  if (!report.ok()) return 0;
  Snapshot snap(*report.value());
  JsonField root = snap.stats();
  if (!root.is_present()) {
    check(root.error()->kind() == ErrorKind::MissingStats);
    note(*root.error());
    check(snap.stats_path("a.b").error() && *snap.stats_path("a.b").error() == *root.error());
    return 0;
  }
  for (const char* p : {"", "nr_cpus", "layers", "a.b", "a..b", "stats.dispatched"}) {
    JsonField f = snap.stats_path(p);
    check(f.is_present() == stats_path(root, p).is_present());
    coerce_all(f);
    if (f.error()) note(*f.error());
  }
  walk(root, root, std::string(), 0);
  return 0;
}
