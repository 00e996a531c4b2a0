// JSON rendering of a 100k-entry task_ctx map against the peer, libbpf's
// btf_dump__dump_type_data, in the same run: same value bytes (one
// contiguous blob), same BTF. Budget (DESIGN.md): ktsnap >= 30x faster.
//
// The peer is driven the way shared/anchors measured it: emit_zeroes off,
// compact and pretty, a vsnprintf callback appending to a growing buffer
// that is reset per value. Ours: render_value_json of each value into a
// string cleared per value; render_map_json of the whole map (keys, hex,
// values) is shown for context.
//
//   bench_render [google-benchmark flags]
#include <bpf/btf.h>

#include <algorithm>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "bench_common.hpp"
#include "btf/btf.hpp"
#include "report/report.hpp"
#include "value/render.hpp"
#include "value/value.hpp"

namespace ktsnap::bench {
namespace {

constexpr uint32_t kEntries = 100000;

struct Data {
  std::vector<uint8_t> keys, values;  // the map's entries, back to back
  std::vector<uint8_t> report_buf;    // the same entries in a report
  std::unique_ptr<Report> report;
  std::shared_ptr<const Btf> btf;     // ours, parsed from the same raw BTF
  struct btf* peer_btf = nullptr;     // the peer's, from the same raw BTF
  uint32_t value_type = 0;
};
Data* g;

using ktsnap::bench::die;

// The peer's output sink: vsnprintf into a buffer that grows on demand.
struct Sink {
  std::vector<char> buf = std::vector<char>(1 << 16);
  size_t len = 0;
  uint64_t calls = 0;
};

void sink_printf(void* ctx, const char* fmt, va_list args) {
  Sink* s = static_cast<Sink*>(ctx);
  s->calls++;
  va_list again;
  va_copy(again, args);
  int n = std::vsnprintf(s->buf.data() + s->len, s->buf.size() - s->len, fmt, args);
  if (n > 0 && static_cast<size_t>(n) >= s->buf.size() - s->len) {
    size_t want = s->buf.size();
    while (static_cast<size_t>(n) >= want - s->len) want *= 2;
    s->buf.resize(want);
    n = std::vsnprintf(s->buf.data() + s->len, s->buf.size() - s->len, fmt, again);
  }
  va_end(again);
  if (n > 0) s->len += static_cast<size_t>(n);
}

void btf_dump_values(benchmark::State& state, bool compact) {
  Sink sink;
  btf_dump* d = btf_dump__new(g->peer_btf, sink_printf, &sink, nullptr);
  if (d == nullptr) die("btf_dump__new failed");
  LIBBPF_OPTS(btf_dump_type_data_opts, opts, .indent_str = nullptr, .indent_level = 0, .compact = compact,
              .skip_names = false, .emit_zeroes = false);
  uint64_t out_bytes = 0;
  for (auto _ : state) {
    out_bytes = 0;
    sink.calls = 0;
    for (uint32_t i = 0; i < kEntries; i++) {
      sink.len = 0;
      int rc = btf_dump__dump_type_data(d, g->value_type, g->values.data() + size_t(i) * sizeof(TaskCtx),
                                        sizeof(TaskCtx), &opts);
      if (rc < 0) die("btf_dump__dump_type_data failed: " + std::to_string(rc));
      out_bytes += sink.len;
      benchmark::DoNotOptimize(sink.buf.data());
    }
  }
  state.counters["values"] = kEntries;
  state.counters["out_bytes_per_value"] = static_cast<double>(out_bytes) / kEntries;
  state.counters["printf_calls_per_value"] = static_cast<double>(sink.calls) / kEntries;
  btf_dump__free(d);
}

void ktsnap_values(benchmark::State& state) {
  ValueContext ctx{g->btf.get(), nullptr};
  std::string out;
  out.reserve(4096);
  uint64_t out_bytes = 0;
  for (auto _ : state) {
    out_bytes = 0;
    for (uint32_t i = 0; i < kEntries; i++) {
      out.clear();
      Value v = Value::typed(&ctx, g->value_type, g->values.data() + size_t(i) * sizeof(TaskCtx), sizeof(TaskCtx));
      auto st = render_value_json(v, out);
      if (!st.ok()) die("render_value_json: " + st.error().message);
      out_bytes += out.size();
      benchmark::DoNotOptimize(out.data());
    }
  }
  state.counters["values"] = kEntries;
  state.counters["out_bytes_per_value"] = static_cast<double>(out_bytes) / kEntries;
}

void ktsnap_map(benchmark::State& state) {
  const MapInfo* m = g->report->find_map("task_ctxs");
  if (m == nullptr) die("no task_ctxs in the report");
  std::string out;
  uint64_t out_bytes = 0;
  for (auto _ : state) {
    out.clear();
    auto st = render_map_json(*g->report, *m, out);
    if (!st.ok()) die("render_map_json: " + st.error().message);
    out_bytes = out.size();
    benchmark::DoNotOptimize(out.data());
  }
  state.counters["values"] = kEntries;
  state.counters["out_bytes_per_value"] = static_cast<double>(out_bytes) / kEntries;
}

void setup() {
  g = new Data;
  const AnchorBtf& a = anchor_btf();
  g->value_type = a.task_value_type;
  make_tasks(kEntries, g->keys, g->values);
  g->peer_btf = btf__new(a.raw.data(), static_cast<__u32>(a.raw.size()));
  if (g->peer_btf == nullptr) die("btf__new failed");
  auto b = Btf::from_raw(a.raw.data(), a.raw.size());
  if (!b.ok()) die(b.error().message);
  g->btf = b.value();
  g->report_buf = build_report(kEntries);
  auto r = Report::open_memory(g->report_buf.data(), g->report_buf.size());
  if (!r.ok()) die(r.error().message);
  g->report = std::move(r.value());
  const MapInfo* m = g->report->find_map("task_ctxs");
  if (m == nullptr || m->entry_count != kEntries ||
      std::memcmp(m->values, g->values.data(), g->values.size()) != 0)
    die("the report's values differ from the benchmark blob");

  // One sample of each renderer, for the record (stderr).
  Sink s;
  btf_dump* d = btf_dump__new(g->peer_btf, sink_printf, &s, nullptr);
  LIBBPF_OPTS(btf_dump_type_data_opts, o, .compact = true, .emit_zeroes = false);
  btf_dump__dump_type_data(d, g->value_type, g->values.data(), sizeof(TaskCtx), &o);
  btf_dump__free(d);
  std::string ours;
  ValueContext ctx{g->btf.get(), nullptr};
  auto st = render_value_json(Value::typed(&ctx, g->value_type, g->values.data(), sizeof(TaskCtx)), ours);
  if (!st.ok()) die(st.error().message);
  std::fprintf(stderr, "sample btf_dump (compact): %.*s\nsample ktsnap: %s\n", static_cast<int>(s.len), s.buf.data(),
               ours.c_str());
  if (ours.find("\"runtime_ns\"") == std::string::npos || ours.find("\"dsq_hist\"") == std::string::npos)
    die("our rendering lacks members: " + ours);
}

}  // namespace
}  // namespace ktsnap::bench

int main(int argc, char** argv) {
  using namespace ktsnap::bench;
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  setup();
  benchmark::RegisterBenchmark("btf_dump_compact/100k", btf_dump_values, true)->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("btf_dump_pretty/100k", btf_dump_values, false)->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("ktsnap_render_value_json/100k", ktsnap_values)->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("ktsnap_render_map_json/100k", ktsnap_map)->Unit(benchmark::kMillisecond);

  RatioReporter rep;
  benchmark::RunSpecifiedBenchmarks(&rep);

  std::printf("\n== render summary: %u values of struct task_ctx (112 B), one run; median of repetitions ==\n",
              kEntries);
  bool met = false;
  for (int cpu = 0; cpu < 2; cpu++) {
    auto per = [&](const char* n) { return (cpu ? rep.cpu_ns(n) : rep.ns(n)) / kEntries; };
    double peer_c = per("btf_dump_compact/100k"), peer_p = per("btf_dump_pretty/100k");
    double ours_v = per("ktsnap_render_value_json/100k"), ours_m = per("ktsnap_render_map_json/100k");
    const char* what = cpu ? "cpu " : "real";
    std::printf("%s ns/value: btf_dump compact %.1f | btf_dump pretty %.1f | ktsnap render_value_json %.1f | "
                "ktsnap render_map_json %.1f (whole map incl. keys and hex)\n",
                what, peer_c, peer_p, ours_v, ours_m);
    if (peer_c > 0 && ours_v > 0) {
      double fastest_peer = std::min(peer_c, peer_p);
      double r = fastest_peer / ours_v;
      if (!cpu) met = r >= 30;
      std::printf("%s ratio btf_dump/ktsnap: compact %.1fx, pretty %.1fx, faster peer variant %.1fx; "
                  "btf_dump compact / render_map_json %.1fx\n",
                  what, peer_c / ours_v, peer_p / ours_v, r, peer_c / ours_m);
    }
  }
  std::printf("budget: ktsnap render_value_json >= 30x faster than the faster btf_dump variant (real time): %s\n",
              met ? "met" : "NOT MET");
  delete g;
  benchmark::Shutdown();
  return 0;
}
