// Shared by the view-layer tests: reports built with ReportBuilder from the
// fixture's real BTF (and from a small BTF made with libbpf's btf__add_*
// for shapes the fixture cannot have: self-referencing pointers, pointer
// chains deeper than the follow limit, signed enums).
#pragma once

#include <bpf/btf.h>
#include <gtest/gtest.h>

#include <cstring>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "helpers.hpp"
#include "report/builder.hpp"
#include "view/view.hpp"

namespace ktsnap::test::viewt {

using namespace ktsnap::view;

// A report and the bytes it borrows.
struct Owned {
  std::vector<uint8_t> bytes;
  std::unique_ptr<Report> report;
  const Report& operator*() const { return *report; }
};

inline Owned open_owned(std::vector<uint8_t> bytes) {
  Owned o;
  o.bytes = std::move(bytes);
  auto r = Report::open_memory(o.bytes.data(), o.bytes.size());
  if (!r.ok()) {
    ADD_FAILURE() << "report does not open: " << r.error().message;
    std::abort();
  }
  o.report = std::move(r.value());
  return o;
}

template <typename T>
std::vector<uint8_t> bytes_of(const T& v) {
  std::vector<uint8_t> b(sizeof v);
  std::memcpy(b.data(), &v, sizeof v);
  return b;
}

inline void append(std::vector<uint8_t>& out, const std::vector<uint8_t>& more) {
  out.insert(out.end(), more.begin(), more.end());
}

// Builds a report over one BTF (the fixture's by default).
class Maker {
 public:
  explicit Maker(std::shared_ptr<const Btf> btf = fixture_btf()) : btf_(std::move(btf)) {
    if (!btf_) {
      ADD_FAILURE() << "no BTF";
      std::abort();
    }
    std::string_view raw = btf_->raw_data();
    auto bi = b_.add_btf({reinterpret_cast<const uint8_t*>(raw.data()), raw.size()});
    if (!bi.ok()) {
      ADD_FAILURE() << bi.error().message;
      std::abort();
    }
    btf_index_ = bi.value();
  }

  const Btf& btf() const { return *btf_; }
  int32_t btf_index() const { return btf_index_; }
  uint32_t id(std::string_view name, BtfKind kind) const {
    auto id = btf_->find_by_name_kind(name, kind);
    if (!id) {
      ADD_FAILURE() << "no type " << name;
      std::abort();
    }
    return *id;
  }
  uint32_t size(uint32_t id) const { return static_cast<uint32_t>(btf_->size(id).value_or(0)); }

  int32_t scheduler(std::string_view name, bool active) {
    auto r = b_.add_scheduler(name, btf_index_, active);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
    return r.ok() ? r.value() : -1;
  }

  // A typed map: sizes from the type ids (key_type 0 = 4-byte key without BTF).
  MapSpec spec(std::string name, uint32_t map_type, uint32_t key_type, uint32_t value_type, uint32_t max_entries) {
    MapSpec s;
    s.name = std::move(name);
    s.map_type = map_type;
    s.btf_index = btf_index_;
    s.key_type_id = key_type;
    s.value_type_id = value_type;
    s.key_size = key_type ? size(key_type) : 4;
    s.value_size = size(value_type);
    s.max_entries = max_entries;
    if (map_type_is_percpu(map_type)) s.nr_cpus = 4;
    return s;
  }

  void map(const MapSpec& s, const std::vector<uint8_t>& keys, const std::vector<uint8_t>& values) {
    auto r = b_.add_map(s, keys, values);
    EXPECT_TRUE(r.ok()) << s.name << ": " << (r.ok() ? "" : r.error().message);
  }

  // A global-section map typed by the fixture DATASEC `section` (".bss",
  // ".data", ".rodata"); `values` empty = nothing captured.
  MapSpec section_spec(std::string name, std::string_view section, uint64_t kva) {
    uint32_t ds = id(section, BtfKind::Datasec);
    MapSpec s;
    s.name = std::move(name);
    s.map_type = kMapTypeArray;
    s.btf_index = btf_index_;
    s.value_type_id = ds;
    s.key_size = 4;
    s.value_size = size(ds);
    s.max_entries = 1;
    s.map_kva = kva;
    return s;
  }
  void section(std::string name, std::string_view section, uint64_t kva, const std::vector<uint8_t>& value) {
    MapSpec s = section_spec(std::move(name), section, kva);
    std::vector<uint8_t> key = value.empty() ? std::vector<uint8_t>{} : std::vector<uint8_t>(4, 0);
    map(s, key, value);
  }

  // The .bss value with kt_nr_events, kt_bss_inner.a and kt_bss_neg set.
  std::vector<uint8_t> bss(uint64_t nr_events, uint32_t inner_a = 7, int32_t neg = -5) {
    return section_value(".bss", [&](std::string_view var, uint8_t* p) {
      if (var == "kt_nr_events") std::memcpy(p, &nr_events, 8);
      if (var == "kt_bss_inner") std::memcpy(p, &inner_a, 4);
      if (var == "kt_bss_neg") std::memcpy(p, &neg, 4);
    });
  }
  // The .data value: kt_data_counter and kt_data_label.
  std::vector<uint8_t> data(int32_t counter, const char* label = "hello") {
    return section_value(".data", [&](std::string_view var, uint8_t* p) {
      if (var == "kt_data_counter") std::memcpy(p, &counter, 4);
      if (var == "kt_data_label") std::memcpy(p, label, std::min<size_t>(std::strlen(label), 8));
    });
  }
  // The .rodata value: kt_ro_nr_cpus and kt_ro_mode.
  std::vector<uint8_t> rodata(uint32_t nr_cpus, uint32_t mode = 1) {
    return section_value(".rodata", [&](std::string_view var, uint8_t* p) {
      if (var == "kt_ro_nr_cpus") std::memcpy(p, &nr_cpus, 4);
      if (var == "kt_ro_mode") std::memcpy(p, &mode, 4);
    });
  }

  template <typename F>
  std::vector<uint8_t> section_value(std::string_view section, F&& set) {
    uint32_t ds = id(section, BtfKind::Datasec);
    std::vector<uint8_t> v(size(ds), 0);
    std::vector<BtfVarInfo> vars;
    btf_->datasec_vars(ds, vars);
    for (auto& var : vars)
      if (var.offset + var.size <= v.size()) set(var.name, v.data() + var.offset);
    return v;
  }

  void region(uint64_t addr, const std::vector<uint8_t>& bytes) {
    auto st = b_.add_region(addr, bytes);
    EXPECT_TRUE(st.ok()) << (st.ok() ? "" : st.error().message);
  }
  void stats(std::string_view json) { b_.set_stats_json(json); }
  void metadata(const ReportMetadata& md) { b_.set_metadata(md); }
  void kvas(const std::vector<uint64_t>& k) { b_.set_active_map_kvas(k); }

  Owned finish() {
    auto r = b_.finish();
    if (!r.ok()) {
      ADD_FAILURE() << "finish: " << r.error().message;
      std::abort();
    }
    return open_owned(std::move(r.value()));
  }

 private:
  std::shared_ptr<const Btf> btf_;
  ReportBuilder b_;
  int32_t btf_index_ = -1;
};

// A small BTF made with libbpf for shapes the fixture object lacks.
struct Synth {
  std::shared_ptr<const Btf> btf;
  uint32_t u64 = 0, s32 = 0, s64 = 0, u8 = 0, u128 = 0, dbl = 0;
  uint32_t node = 0;        // struct node { u64 val; struct node *next; }
  uint32_t chain[21] = {};  // chain[k]: k pointer levels above struct node
  uint32_t senum = 0;       // 4-byte signed enum { S_NEG = -1, S_POS = 1 }
  uint32_t arr4 = 0;        // u64[4]
  uint32_t arr4_ptr = 0;    // u64 (*)[4]
  uint32_t holder = 0;      // struct holder { u64 (*arr)[4]; struct node *n; }
  uint32_t outer = 0;       // struct outer { u64 a; struct node inner; }
  uint32_t outer_ptr = 0;   // struct outer *
};

inline Synth make_synth() {
  Synth s;
  struct btf* b = btf__new_empty();
  s.u64 = btf__add_int(b, "unsigned long long", 8, 0);
  s.s32 = btf__add_int(b, "int", 4, BTF_INT_SIGNED);
  s.s64 = btf__add_int(b, "long long", 8, BTF_INT_SIGNED);
  s.u8 = btf__add_int(b, "unsigned char", 1, 0);
  s.u128 = btf__add_int(b, "unsigned __int128", 16, 0);
  s.dbl = btf__add_float(b, "double", 8);
  // The pointer is added first, pointing at the id the struct will get, so
  // that the struct's members can name it.
  int ptr = btf__add_ptr(b, btf__type_cnt(b) + 1);
  s.node = btf__add_struct(b, "node", 16);
  btf__add_field(b, "val", s.u64, 0, 0);
  btf__add_field(b, "next", ptr, 64, 0);
  s.chain[0] = s.node;
  s.chain[1] = ptr;
  for (int k = 2; k <= 20; k++) s.chain[k] = btf__add_ptr(b, s.chain[k - 1]);
  s.senum = btf__add_enum(b, "sgn", 4);
  btf__add_enum_value(b, "S_NEG", -1);
  btf__add_enum_value(b, "S_POS", 1);
  s.arr4 = btf__add_array(b, s.s32, s.u64, 4);
  s.arr4_ptr = btf__add_ptr(b, s.arr4);
  s.holder = btf__add_struct(b, "holder", 16);
  btf__add_field(b, "arr", s.arr4_ptr, 0, 0);
  btf__add_field(b, "n", ptr, 64, 0);
  s.outer = btf__add_struct(b, "outer", 24);
  btf__add_field(b, "a", s.u64, 0, 0);
  btf__add_field(b, "inner", s.node, 64, 0);
  s.outer_ptr = btf__add_ptr(b, s.outer);
  uint32_t sz = 0;
  const void* raw = btf__raw_data(b, &sz);
  auto parsed = Btf::from_raw(raw, sz);
  btf__free(b);
  if (!parsed.ok()) {
    ADD_FAILURE() << parsed.error().message;
    std::abort();
  }
  s.btf = parsed.value();
  return s;
}

// The error of a Missing field / failed result as variant T (a copy, so
// temporaries are fine); a test failure when it is another kind.
template <typename T>
T err_as(const SnapshotField& f) {
  EXPECT_FALSE(f.is_present());
  if (f.error() == nullptr) return T{};
  const T* e = f.error()->get_if<T>();
  EXPECT_NE(e, nullptr) << "error is " << f.error()->kind_name() << ": " << f.error()->message();
  return e ? *e : T{};
}
template <typename T>
T err_as(const SnapshotEntry& f) {
  EXPECT_FALSE(f.is_present());
  if (f.error() == nullptr) return T{};
  const T* e = f.error()->get_if<T>();
  EXPECT_NE(e, nullptr) << "error is " << f.error()->kind_name() << ": " << f.error()->message();
  return e ? *e : T{};
}
template <typename T>
T err_as(const JsonField& f) {
  EXPECT_FALSE(f.is_present());
  if (f.error() == nullptr) return T{};
  const T* e = f.error()->get_if<T>();
  EXPECT_NE(e, nullptr) << "error is " << f.error()->kind_name() << ": " << f.error()->message();
  return e ? *e : T{};
}
template <typename T, typename R>
T err_of(const R& r) {
  EXPECT_FALSE(r.ok());
  if (r.ok()) return T{};
  const T* e = r.error().template get_if<T>();
  EXPECT_NE(e, nullptr) << "error is " << r.error().kind_name() << ": " << r.error().message();
  return e ? *e : T{};
}

// Placeholder report: no maps, placeholder flag set.
inline Owned placeholder_report() {
  Maker m;
  ReportMetadata md;
  md.tag = "ph";
  md.placeholder = true;
  md.placeholder_reason = "freeze rendezvous timed out";
  m.metadata(md);
  // Maps present anyway: the short-circuit must not look at them.
  m.scheduler("kinds", true);
  m.section("kinds.bss", ".bss", 0x1000, m.bss(42));
  m.stats(R"({"a":1})");
  return m.finish();
}

}  // namespace ktsnap::test::viewt
