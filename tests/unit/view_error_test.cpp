// SnapshotError: the 21 variants, their messages (information, not
// wording), JSON form, equality, hash and status codes. Variants 13-15 and
// 19 belong to a sample/series layer that does not exist yet: they are
// constructed here directly.
#include <gtest/gtest.h>

#include <set>
#include <unordered_set>

#include "view/error.hpp"

namespace ktsnap::view {
namespace {

::testing::AssertionResult has(const std::string& text, const std::string& part) {
  if (text.find(part) != std::string::npos) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "\"" << part << "\" not in: " << text;
}

std::vector<SnapshotError> one_of_each() {
  return {
      MapNotFound{"scx_per_task", {"a.bss", "b.bss"}},
      VarNotFound{"nr_cpus", {"x", "y"}},
      AmbiguousVar{"nr", {"a.bss", "a.bss"}},
      FieldNotFound{"ctx.wt", "ctx", "wt", {"weight", "tid"}},
      NotAStruct{"tid.x", "tid", "x", "Int"},
      TypeMismatch{"u64", "Int(negative)", ""},
      IndexOutOfRange{"m", 9, 4},
      PerCpuSlot{"pc", 7, 4, false},
      NoMatch{"h", "find", 5, {"1", "2"}},
      EmptyPathComponent{"a..b"},
      PerCpuNotNarrowed{"pc"},
      NoRendered{"h", "key"},
      PlaceholderSample{"step3", "freeze timed out"},
      MissingStats{"step3", MissingStatsReason::cancelled()},
      HostFieldUnavailable{"step3", 12},
      PlaceholderSnapshot{},
      NoActiveScheduler{"two objs"},
      ActiveFilterExcludedMaps{"nr", "sched", {{"sched.bss", 0x10}}, {0x20}},
      WalkerDriftedWithinPhase{"Steady", {0x1}, {0x2}, "nr"},
      ProjectionFailed{"picker said no"},
      MapRenderIncomplete{"m", "EFAULT"},
  };
}

TEST(ViewError, KindsFollowTheSpecNumbering) {
  auto all = one_of_each();
  ASSERT_EQ(all.size(), size_t(kErrorKindCount));
  std::set<std::string> names;
  for (size_t i = 0; i < all.size(); i++) {
    EXPECT_EQ(static_cast<int>(all[i].kind()), int(i + 1));
    names.insert(all[i].kind_name());
    EXPECT_FALSE(all[i].message().empty());
  }
  EXPECT_EQ(names.size(), all.size());
  EXPECT_STREQ(error_kind_name(ErrorKind::MapNotFound), "MapNotFound");
  EXPECT_STREQ(error_kind_name(ErrorKind::MapRenderIncomplete), "MapRenderIncomplete");
  EXPECT_STREQ(error_kind_name(ErrorKind::WalkerDriftedWithinPhase), "WalkerDriftedWithinPhase");
}

TEST(ViewError, EqualityHashAndAccess) {
  auto a = one_of_each(), b = one_of_each();
  std::unordered_set<SnapshotError> set(a.begin(), a.end());
  EXPECT_EQ(set.size(), a.size());
  for (size_t i = 0; i < a.size(); i++) {
    EXPECT_EQ(a[i], b[i]);
    EXPECT_EQ(a[i].hash(), b[i].hash());
    EXPECT_TRUE(set.count(b[i]));
    for (size_t j = 0; j < a.size(); j++) {
      if (i != j) {
        EXPECT_NE(a[i], a[j]);
      }
    }
  }
  SnapshotError x = MapNotFound{"m", {"a"}};
  SnapshotError y = MapNotFound{"m", {"b"}};
  EXPECT_NE(x, y);
  ASSERT_TRUE(x.is<MapNotFound>());
  EXPECT_FALSE(x.is<VarNotFound>());
  EXPECT_EQ(x.get_if<MapNotFound>()->available, std::vector<std::string>{"a"});
  EXPECT_EQ(x.get_if<VarNotFound>(), nullptr);
}

TEST(ViewError, CodesForTheCApi) {
  EXPECT_EQ(SnapshotError(MapNotFound{}).code(), Code::NotFound);
  EXPECT_EQ(SnapshotError(TypeMismatch{}).code(), Code::Type);
  EXPECT_EQ(SnapshotError(NotAStruct{}).code(), Code::Type);
  EXPECT_EQ(SnapshotError(IndexOutOfRange{}).code(), Code::Range);
  EXPECT_EQ(SnapshotError(PerCpuSlot{}).code(), Code::Range);
  EXPECT_EQ(SnapshotError(EmptyPathComponent{}).code(), Code::Invalid);
  EXPECT_EQ(SnapshotError(PlaceholderSnapshot{}).code(), Code::Unsupported);
  EXPECT_EQ(SnapshotError(WalkerDriftedWithinPhase{}).code(), Code::Again);
  EXPECT_EQ(SnapshotError(MapRenderIncomplete{}).code(), Code::Io);
  Error e = SnapshotError(MapNotFound{"zz", {}}).to_error();
  EXPECT_EQ(e.code, Code::NotFound);
  EXPECT_TRUE(has(e.message, "zz"));
}

TEST(ViewError, MessagesCarryEveryField) {
  EXPECT_TRUE(has(SnapshotError(MapNotFound{"scx_per_task", {"a.bss", "b.bss"}}).message(), "'scx_per_task'"));
  EXPECT_TRUE(has(SnapshotError(MapNotFound{"scx_per_task", {"a.bss", "b.bss"}}).message(), "[\"a.bss\", \"b.bss\"]"));
  EXPECT_TRUE(has(SnapshotError(MapNotFound{"q", {}}).message(), "[]"));
  {
    std::string m = SnapshotError(VarNotFound{"nr_cpus", {"x", "y"}}).message();
    EXPECT_TRUE(has(m, "'nr_cpus'"));
    EXPECT_TRUE(has(m, "[\"x\", \"y\"]"));
    EXPECT_TRUE(has(m, ".bss"));
  }
  {
    std::string m = SnapshotError(AmbiguousVar{"nr", {"a.bss", "b.bss"}}).message();
    EXPECT_TRUE(has(m, "[\"a.bss\", \"b.bss\"]"));
    EXPECT_TRUE(has(m, "active().var"));
    EXPECT_TRUE(has(m, "live_var"));
    EXPECT_TRUE(has(m, "Snapshot::map"));
  }
  {
    std::string m = SnapshotError(FieldNotFound{"ctx.wt", "ctx", "wt", {"weight", "tid"}}).message();
    EXPECT_TRUE(has(m, "'ctx.wt'"));
    EXPECT_TRUE(has(m, "'wt'"));
    EXPECT_TRUE(has(m, "'ctx'"));
    EXPECT_TRUE(has(m, "[\"weight\", \"tid\"]"));
    EXPECT_TRUE(has(SnapshotError(FieldNotFound{"x", "", "x", {}}).message(), "top level"));
  }
  {
    std::string m = SnapshotError(NotAStruct{"tid.x", "tid", "x", "Int"}).message();
    EXPECT_TRUE(has(m, "'tid.x'"));
    EXPECT_TRUE(has(m, "'x'"));
    EXPECT_TRUE(has(m, "'tid'"));
    EXPECT_TRUE(has(m, "Int"));
  }
  {
    std::string m = SnapshotError(TypeMismatch{"u64", "Int(negative)", ""}).message();
    EXPECT_TRUE(has(m, "path ''"));
    EXPECT_TRUE(has(m, "u64"));
    EXPECT_TRUE(has(m, "Int(negative)"));
  }
  {
    std::string m = SnapshotError(IndexOutOfRange{"m", 9, 4}).message();
    EXPECT_TRUE(has(m, "'m'"));
    EXPECT_TRUE(has(m, "9"));
    EXPECT_TRUE(has(m, "4 entries"));
  }
  {
    std::string out = SnapshotError(PerCpuSlot{"pc", 7, 4, false}).message();
    std::string un = SnapshotError(PerCpuSlot{"pc", 2, 4, true}).message();
    EXPECT_TRUE(has(out, "cpu 7"));
    EXPECT_TRUE(has(out, "out of range"));
    EXPECT_TRUE(has(out, "4 per-CPU slots"));
    EXPECT_TRUE(has(un, "cpu 2"));
    EXPECT_TRUE(has(un, "unmapped"));
    EXPECT_EQ(un.find("out of range"), std::string::npos);
  }
  {
    std::string m = SnapshotError(EmptyPathComponent{"a..b"}).message();
    EXPECT_TRUE(has(m, "'a..b'"));
    EXPECT_TRUE(has(m, "empty component"));
  }
  {
    std::string m = SnapshotError(PerCpuNotNarrowed{"pc"}).message();
    EXPECT_TRUE(has(m, "'pc'"));
    EXPECT_TRUE(has(m, ".cpu(N)"));
  }
  {
    std::string m = SnapshotError(NoRendered{"h", "key"}).message();
    EXPECT_TRUE(has(m, "'h'"));
    EXPECT_TRUE(has(m, "key"));
    EXPECT_TRUE(has(m, "BTF"));
  }
  {
    std::string m = SnapshotError(ProjectionFailed{"picker said no"}).message();
    EXPECT_TRUE(has(m, "projection failed"));
    EXPECT_TRUE(has(m, "picker said no"));
  }
  {
    std::string m = SnapshotError(MapRenderIncomplete{"m", "EFAULT"}).message();
    EXPECT_TRUE(has(m, "'m'"));
    EXPECT_TRUE(has(m, "EFAULT"));
  }
  {
    std::string m = SnapshotError(NoActiveScheduler{"two objs"}).message();
    EXPECT_TRUE(has(m, "(two objs)"));
    EXPECT_TRUE(has(m, "vars(name)"));
    EXPECT_TRUE(has(m, "live_var(name)"));
    EXPECT_TRUE(has(m, "<obj>.<section>"));
  }
}

TEST(ViewError, PlaceholderSnapshotWithAndWithoutTag) {
  std::string no_tag = SnapshotError(PlaceholderSnapshot{}).message();
  std::string tag = SnapshotError(PlaceholderSnapshot{"boot"}).message();
  EXPECT_TRUE(has(no_tag, "placeholder"));
  EXPECT_EQ(no_tag.find('\''), std::string::npos);
  EXPECT_TRUE(has(tag, "'boot'"));
  EXPECT_TRUE(has(tag, "no maps"));
  EXPECT_NE(SnapshotError(PlaceholderSnapshot{}), SnapshotError(PlaceholderSnapshot{"boot"}));
}

TEST(ViewError, NoMatchArms) {
  std::string empty = SnapshotError(NoMatch{"h", "find", 0, {}}).message();
  EXPECT_TRUE(has(empty, "'h'"));
  EXPECT_TRUE(has(empty, "find"));
  EXPECT_TRUE(has(empty, "no entries"));
  EXPECT_EQ(empty.find("CONFIG_DEBUG_INFO_BTF"), std::string::npos);  // vacuous "all hex" does not count

  std::string nokeys = SnapshotError(NoMatch{"h", "find", 5, {}}).message();
  EXPECT_TRUE(has(nokeys, "5 entries"));
  EXPECT_TRUE(has(nokeys, "no key"));
  EXPECT_EQ(nokeys.find("CONFIG_DEBUG_INFO_BTF"), std::string::npos);

  std::string typed = SnapshotError(NoMatch{"h", "max_by", 7, {"1", "hex:00 01"}}).message();
  EXPECT_TRUE(has(typed, "7 entries"));
  EXPECT_TRUE(has(typed, "first 2"));
  EXPECT_TRUE(has(typed, "[\"1\", \"hex:00 01\"]"));
  EXPECT_TRUE(has(typed, "max_by"));
  EXPECT_EQ(typed.find("CONFIG_DEBUG_INFO_BTF"), std::string::npos);  // one key is typed

  std::string hex = SnapshotError(NoMatch{"h", "find", 2, {"hex:de ad", "hex:be ef"}}).message();
  EXPECT_TRUE(has(hex, "CONFIG_DEBUG_INFO_BTF=y"));
  EXPECT_TRUE(has(hex, "hex"));
}

TEST(ViewError, ExcludedMapsCauses) {
  auto msg = [](std::vector<ExcludedMap> ex) {
    return SnapshotError(ActiveFilterExcludedMaps{"nr_x", "sched", std::move(ex), {0x9999}}).message();
  };
  std::string alias = msg({{"sched.bss", 0x1111}});
  EXPECT_TRUE(has(alias, "'nr_x'"));
  EXPECT_TRUE(has(alias, "'sched'"));
  EXPECT_TRUE(has(alias, "[0x9999]"));
  EXPECT_TRUE(has(alias, "sched.bss@0x1111"));
  EXPECT_TRUE(has(alias, "1 captured map(s)"));
  EXPECT_TRUE(has(alias, "replace/attach"));
  EXPECT_TRUE(has(alias, "vars(\"nr_x\")"));
  EXPECT_TRUE(has(alias, "Snapshot::map"));

  std::string zero = msg({{"sched.bss", 0}, {"sched.data", 0}});
  EXPECT_TRUE(has(zero, "sched.bss@0x0, sched.data@0x0"));
  EXPECT_TRUE(has(zero, "no recorded KVA"));
  EXPECT_EQ(zero.find("replace/attach"), std::string::npos);

  std::string both = msg({{"sched.bss", 0}, {"sched.data", 0x2222}});
  EXPECT_TRUE(has(both, "others disagree"));

  std::string neither = msg({{"sched.bss", 0x9999}});
  EXPECT_TRUE(has(neither, "neither missing nor in disagreement"));
}

TEST(ViewError, SampleLayerVariants) {
  std::string ps = SnapshotError(PlaceholderSample{"step3", "freeze timed out"}).message();
  EXPECT_TRUE(has(ps, "'step3'"));
  EXPECT_TRUE(has(ps, "placeholder"));
  EXPECT_TRUE(has(ps, "freeze timed out"));

  std::string ms = SnapshotError(MissingStats{"step3", MissingStatsReason::response_too_large(9000, 4096)}).message();
  EXPECT_TRUE(has(ms, "'step3'"));
  EXPECT_TRUE(has(ms, "9000"));
  EXPECT_TRUE(has(ms, "4096"));

  std::string hf = SnapshotError(HostFieldUnavailable{"step3", 12}).message();
  EXPECT_TRUE(has(hf, "'step3'"));
  EXPECT_TRUE(has(hf, "cpu 12"));
  EXPECT_TRUE(has(hf, "per_cpu_time"));

  std::string wd = SnapshotError(WalkerDriftedWithinPhase{"Steady", {0xaa}, {0xbb, 0xcc}, "nr_x"}).message();
  EXPECT_TRUE(has(wd, "Steady"));
  EXPECT_TRUE(has(wd, "'nr_x'"));
  EXPECT_TRUE(has(wd, "[0xbb, 0xcc]"));
  EXPECT_TRUE(has(wd, "[0xaa]"));
  EXPECT_TRUE(has(wd, "picker"));
}

TEST(ViewError, MissingStatsReasons) {
  EXPECT_TRUE(has(MissingStatsReason::no_scheduler_binary().message(), "scheduler binary"));
  EXPECT_TRUE(has(MissingStatsReason::no_scheduler("relay down").message(), "relay down"));
  EXPECT_TRUE(has(MissingStatsReason::during_freeze().message(), "freeze"));
  EXPECT_TRUE(has(MissingStatsReason::cancelled().message(), "cancel"));
  std::string se = MissingStatsReason::scheduler_error(-22, R"({"x":1})").message();
  EXPECT_TRUE(has(se, "errno=-22"));
  EXPECT_TRUE(has(se, R"({"x":1})"));
  EXPECT_TRUE(has(MissingStatsReason::missing_resp(R"({"y":2})").message(), "'resp'"));
  EXPECT_TRUE(has(MissingStatsReason::missing_resp(R"({"y":2})").message(), R"({"y":2})"));
  std::string rq = MissingStatsReason::request_too_large(70000, 65536).message();
  EXPECT_TRUE(has(rq, "70000"));
  EXPECT_TRUE(has(rq, "65536"));
  EXPECT_TRUE(has(rq, "request"));
  EXPECT_TRUE(has(MissingStatsReason::response_too_large(1, 0).message(), "response"));
  EXPECT_TRUE(has(MissingStatsReason::mutex_poisoned().message(), "poisoned"));
  EXPECT_NE(MissingStatsReason::request_too_large(1, 2), MissingStatsReason::response_too_large(1, 2));
  EXPECT_EQ(MissingStatsReason::no_scheduler("a"), MissingStatsReason::no_scheduler("a"));
  EXPECT_NE(MissingStatsReason::no_scheduler("a"), MissingStatsReason::no_scheduler("b"));
}

TEST(ViewError, JsonIsExternallyTagged) {
  EXPECT_EQ(SnapshotError(MapNotFound{"m", {"a", "b\"c"}}).to_json(),
            R"({"MapNotFound":{"requested":"m","available":["a","b\"c"]}})");
  EXPECT_EQ(SnapshotError(PlaceholderSnapshot{}).to_json(), R"({"PlaceholderSnapshot":{"tag":null}})");
  EXPECT_EQ(SnapshotError(PerCpuSlot{"p", 3, 4, true}).to_json(),
            R"({"PerCpuSlot":{"map":"p","cpu":3,"len":4,"unmapped":true}})");
  EXPECT_EQ(SnapshotError(MissingStats{"t", MissingStatsReason::cancelled()}).to_json(),
            R"({"MissingStats":{"tag":"t","reason":"Cancelled"}})");
  EXPECT_EQ(SnapshotError(MissingStats{"t", MissingStatsReason::scheduler_error(-5, R"({"k":1})")}).to_json(),
            R"({"MissingStats":{"tag":"t","reason":{"SchedulerError":{"errno":-5,"args":{"k":1}}}}})");
  EXPECT_EQ(SnapshotError(ActiveFilterExcludedMaps{"r", "o", {{"o.bss", 16}}, {32}}).to_json(),
            R"({"ActiveFilterExcludedMaps":{"requested":"r","active_obj":"o",)"
            R"("excluded_maps":[{"name":"o.bss","map_kva":16}],"whitelist_kvas":[32]}})");
}

TEST(ViewError, ListRenderingsEscape) {
  EXPECT_EQ(quoted_list({}), "[]");
  EXPECT_EQ(quoted_list({"a\nb", "q\"\\"}), R"(["a\nb", "q\"\\"])");
  EXPECT_EQ(hex_list({}), "[]");
  EXPECT_EQ(hex_list({0x9999, 0}), "[0x9999, 0x0]");
}

TEST(ViewError, ViewResultCarriesStructsDirectly) {
  ViewResult<int> ok = 5;
  ViewResult<int> bad = IndexOutOfRange{"m", 1, 0};
  EXPECT_TRUE(ok.ok());
  EXPECT_EQ(*ok, 5);
  EXPECT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().kind(), ErrorKind::IndexOutOfRange);
  EXPECT_EQ(bad.value_or(9), 9);
  ViewStatus st = ProjectionFailed{"x"};
  EXPECT_FALSE(st.ok());
  EXPECT_EQ(st.error().kind(), ErrorKind::ProjectionFailed);
  EXPECT_TRUE(ViewStatus().ok());
}

}  // namespace
}  // namespace ktsnap::view
