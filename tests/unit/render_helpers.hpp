// Shared by the render unit tests: the fixture report, synthetic BTF, and
// small accessors over parsed RenderedValue JSON.
#pragma once

#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <gtest/gtest.h>
#include <simdjson.h>

#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "btf/btf.hpp"
#include "report/builder.hpp"
#include "report/report.hpp"
#include "support/fixture.hpp"
#include "value/render.hpp"
#include "value/render_tree.hpp"
#include "value/value.hpp"

namespace ktsnap::test {

using simdjson::dom::element;

// Raw BTF of kinds.bpf.o after libbpf's open-time fix-ups (as the fixture
// report stores it).
inline std::vector<uint8_t> kinds_btf_raw() {
  bpf_object* obj = bpf_object__open_file(fixture_path("kinds.bpf.o").c_str(), nullptr);
  if (obj == nullptr) return {};
  __u32 sz = 0;
  const auto* raw = static_cast<const uint8_t*>(btf__raw_data(bpf_object__btf(obj), &sz));
  std::vector<uint8_t> out(raw, raw + sz);
  bpf_object__close(obj);
  return out;
}

struct OpenedReport {
  std::vector<uint8_t> bytes;
  std::unique_ptr<Report> report;
};

inline OpenedReport open_report(Result<std::vector<uint8_t>> built) {
  OpenedReport o;
  if (!built.ok()) {
    ADD_FAILURE() << built.error().message;
    return o;
  }
  o.bytes = std::move(built.value());
  auto r = Report::open_memory(o.bytes.data(), o.bytes.size());
  if (!r.ok()) {
    ADD_FAILURE() << r.error().message;
    return o;
  }
  o.report = std::move(r.value());
  return o;
}

// The fixture report (16 kt_tasks entries, 4 CPUs), built once.
inline const Report& kinds_report() {
  static OpenedReport* r = new OpenedReport(open_report(build_fixture_report(fixture_path("kinds.bpf.o"))));
  if (!r->report) throw std::runtime_error("fixture report unavailable");
  return *r->report;
}

inline const MapInfo& kinds_map(std::string_view name) {
  const MapInfo* m = kinds_report().find_map(name);
  if (m == nullptr) throw std::runtime_error("fixture has no map " + std::string(name));
  return *m;
}

inline std::string json_of(const Value& v) {
  std::string s;
  Status st = render_value_json(v, s);
  EXPECT_TRUE(st.ok());
  return s;
}

inline std::string text_of(const Value& v) {
  std::string s;
  Status st = render_value_text(v, s);
  EXPECT_TRUE(st.ok());
  return s;
}

// JSON of the same bytes through the tree path alone (the reference the
// flat plan must match byte for byte).
inline std::string tree_json_of(const Value& v) {
  std::string s;
  render::RNode n = render::build_tree(*v.btf(), v.context()->report, v.type_id(), v.data(), v.available());
  render::tree_to_json(n, s);
  return s;
}

// A parsed JSON document (the parser owns the element's storage).
struct Doc {
  simdjson::dom::parser parser;
  element root;
  explicit Doc(const std::string& json) {
    auto err = parser.parse(json).get(root);
    if (err)
      throw std::runtime_error(std::string("JSON does not parse: ") + simdjson::error_message(err) + ": " +
                               json.substr(0, 300));
  }
};

inline std::string_view kind_of(element v) {
  return std::string_view(v["kind"]);
}

// Value of struct member `name` (RenderedValue struct node).
inline element mem(element s, std::string_view name) {
  for (element m : s["members"].get_array())
    if (std::string_view(m["name"]) == name) return m["value"];
  throw std::runtime_error("no member " + std::string(name));
}

inline std::vector<std::string> member_names(element s) {
  std::vector<std::string> out;
  for (element m : s["members"].get_array()) out.emplace_back(std::string_view(m["name"]));
  return out;
}

inline uint64_t u64_of(element v) {
  return uint64_t(v["value"]);
}
inline int64_t i64_of(element v) {
  return int64_t(v["value"]);
}

// Synthetic BTF built with libbpf's writer API, then adopted.
struct Synth {
  struct btf* b = btf__new_empty();
  std::shared_ptr<const Btf> btf;
  ValueContext ctx;

  void done() {
    btf = Btf::adopt(b);
    ctx = ValueContext{btf.get(), nullptr};
  }
  Value value(uint32_t id, const std::vector<uint8_t>& bytes) {
    return Value::typed(&ctx, id, bytes.empty() ? nullptr : bytes.data(), bytes.size());
  }
  std::string json(uint32_t id, const std::vector<uint8_t>& bytes) { return json_of(value(id, bytes)); }
  std::string text(uint32_t id, const std::vector<uint8_t>& bytes) { return text_of(value(id, bytes)); }
};

template <typename T>
std::vector<uint8_t> bytes_of(const T& v) {
  std::vector<uint8_t> out(sizeof(T));
  std::memcpy(out.data(), &v, sizeof(T));
  return out;
}

}  // namespace ktsnap::test
