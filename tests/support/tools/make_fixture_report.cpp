// Writes the fixture report that the README's main job shows:
//   make_fixture_report OBJECT.bpf.o OUT.ktsnap
#include <cstdio>

#include "report/report.hpp"
#include "support/fixture.hpp"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s OBJECT.bpf.o OUT.ktsnap\n", argv[0]);
    return 2;
  }
  auto buf = ktsnap::test::build_fixture_report(argv[1]);
  if (!buf.ok()) {
    std::fprintf(stderr, "make_fixture_report: %s\n", buf.error().message.c_str());
    return 1;
  }
  auto rep = ktsnap::Report::open_memory(buf.value().data(), buf.value().size());
  if (!rep.ok()) {
    std::fprintf(stderr, "make_fixture_report: built report does not open: %s\n", rep.error().message.c_str());
    return 1;
  }
  auto st = rep.value()->save(argv[2]);
  if (!st.ok()) {
    std::fprintf(stderr, "make_fixture_report: %s\n", st.error().message.c_str());
    return 1;
  }
  return 0;
}
