// Selection: turns map ids, pinned paths, program ids, a struct_ops map, a
// name prefix, a libbpf object or "all" into open map fds, each map once,
// in the order first selected.
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>
#include <unordered_set>
#include <vector>

#include "capture/capture_internal.hpp"

#ifndef BPF_FS_MAGIC
#define BPF_FS_MAGIC 0xcafe4a11
#endif

namespace ktsnap {
inline namespace v1 {
namespace capture::detail {

void Fd::reset() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

bool Buf::reserve(size_t n) {
  if (n <= cap_) return true;
  size_t want = cap_ ? cap_ : 4096;
  while (want < n) {
    if (want > SIZE_MAX / 2) {
      want = n;
      break;
    }
    want *= 2;
  }
  void* q = std::realloc(p_, want);
  if (q == nullptr) return false;
  p_ = static_cast<uint8_t*>(q);
  cap_ = want;
  return true;
}

std::string errno_text(int err) {
  const char* name = ::strerrorname_np(err);
  std::string s = name ? name : ("errno " + std::to_string(err));
  s += " (";
  s += std::strerror(err);
  s += ")";
  return s;
}

Error sys_error(const std::string& what, int err) {
  Code c = Code::Io;
  switch (err) {
    case ENOENT: c = Code::NotFound; break;
    case EPERM:
    case EACCES: c = Code::Perm; break;
    case ENOMEM: c = Code::NoMem; break;
    case EINVAL: c = Code::Invalid; break;
    default: break;
  }
  std::string msg = what + ": " + errno_text(err);
  if (c == Code::Perm) msg += "; reading BPF maps needs root, or CAP_BPF and CAP_SYS_ADMIN";
  return make_error(c, std::move(msg), err);
}

int map_info(int fd, MapInfoX& out) {
  // Room for fields newer kernels append; only those we know are read.
  struct {
    bpf_map_info info;
    uint8_t tail[64];
  } buf;
  std::memset(&buf, 0, sizeof buf);
  uint32_t len = sizeof buf;
  if (bpf_obj_get_info_by_fd(fd, &buf, &len) != 0) return errno ? errno : EIO;
  out.info = buf.info;
  // btf_vmlinux_id sits right after btf_value_type_id (the old pad).
  std::memcpy(&out.btf_vmlinux_id,
              reinterpret_cast<const uint8_t*>(&buf.info) + offsetof(bpf_map_info, btf_value_type_id) + 4, 4);
  return 0;
}

namespace {

constexpr uint32_t kProgTypeStructOps = 27;  // BPF_PROG_TYPE_STRUCT_OPS

class Selector {
 public:
  std::vector<Selected> out;

  // Adds an open map fd (taking it) unless its id is already selected.
  Status add_fd(Fd fd, const std::string& what, std::string object_name = {}) {
    Selected s;
    if (int e = map_info(fd.get(), s.x); e != 0) return sys_error(what + ": bpf_obj_get_info_by_fd", e);
    if (!seen_.insert(s.x.info.id).second) return {};
    s.fd = std::move(fd);
    s.object_name = std::move(object_name);
    out.push_back(std::move(s));
    return {};
  }

  // By id. `must_exist`: a missing id is an error, else it is skipped (a
  // map that went away while enumerating).
  Status add_id(uint32_t id, bool must_exist, const std::string& what) {
    if (seen_.count(id)) return {};
    int fd = bpf_map_get_fd_by_id(id);
    if (fd < 0) {
      int e = errno;
      if (e == ENOENT && !must_exist) return {};
      if (e == ENOENT) return make_error(Code::NotFound, what + ": no map with id " + std::to_string(id), e);
      return sys_error(what + ": bpf_map_get_fd_by_id(" + std::to_string(id) + ")", e);
    }
    return add_fd(Fd(fd), what);
  }

  Status add_pinned(const std::string& path) {
    std::string what = "pinned path " + path;
    int fd = bpf_obj_get(path.c_str());
    if (fd < 0) {
      int e = errno;
      struct stat st;
      if (::stat(path.c_str(), &st) != 0)
        return make_error(Code::NotFound, what + ": " + errno_text(errno), errno);
      struct statfs sfs;
      if (::statfs(path.c_str(), &sfs) == 0 && static_cast<unsigned long>(sfs.f_type) != BPF_FS_MAGIC)
        return make_error(Code::Type, what + " is not on a BPF filesystem (bpffs), so it is not a pinned map", e);
      if (S_ISDIR(st.st_mode)) return make_error(Code::Type, what + " is a directory, not a pinned map", e);
      return sys_error(what + ": bpf_obj_get", e);
    }
    Fd owned(fd);
    // The kernel's info call answers for any BPF object; the fd's inode
    // says which kind it is.
    char link[64] = {};
    std::string proc = "/proc/self/fd/" + std::to_string(fd);
    ssize_t n = ::readlink(proc.c_str(), link, sizeof link - 1);
    if (n > 0) {
      std::string_view kind(link, size_t(n));
      if (kind != "anon_inode:bpf-map") {
        std::string_view k = kind.starts_with("anon_inode:bpf-") ? kind.substr(15) : kind;
        return make_error(Code::Type, what + " is a pinned " + std::string(k) + ", not a map");
      }
    }
    return add_fd(std::move(owned), what);
  }

  // Every map program `id` uses.
  Status add_prog(uint32_t id, bool must_exist, uint32_t* prog_type = nullptr) {
    std::string what = "program " + std::to_string(id);
    int pfd = bpf_prog_get_fd_by_id(id);
    if (pfd < 0) {
      int e = errno;
      if (e == ENOENT && !must_exist) return {};
      if (e == ENOENT) return make_error(Code::NotFound, "no program with id " + std::to_string(id), e);
      return sys_error(what + ": bpf_prog_get_fd_by_id", e);
    }
    Fd fd(pfd);
    std::vector<uint32_t> ids;
    for (int attempt = 0; attempt < 4; attempt++) {
      bpf_prog_info info;
      std::memset(&info, 0, sizeof info);
      uint32_t len = sizeof info;
      uint32_t want = static_cast<uint32_t>(ids.size());
      if (want) {
        info.nr_map_ids = want;
        info.map_ids = reinterpret_cast<uintptr_t>(ids.data());
      }
      if (bpf_obj_get_info_by_fd(fd.get(), &info, &len) != 0) return sys_error(what + ": bpf_obj_get_info_by_fd", errno);
      if (prog_type) *prog_type = info.type;
      if (info.nr_map_ids <= want) {
        ids.resize(info.nr_map_ids);
        break;
      }
      if (info.nr_map_ids > 65536) return make_error(Code::Format, what + ": kernel reports " +
                                                                       std::to_string(info.nr_map_ids) + " maps");
      ids.assign(info.nr_map_ids, 0);
    }
    for (uint32_t m : ids)
      if (Status st = add_id(m, false, what); !st.ok()) return st;
    return {};
  }

  // The struct_ops map, then the maps of every program its value names.
  Status add_struct_ops(uint32_t id) {
    std::string what = "struct_ops map " + std::to_string(id);
    int mfd = bpf_map_get_fd_by_id(id);
    if (mfd < 0) {
      int e = errno;
      if (e == ENOENT) return make_error(Code::NotFound, what + ": no map with that id", e);
      return sys_error(what + ": bpf_map_get_fd_by_id", e);
    }
    Fd fd(mfd);
    MapInfoX x;
    if (int e = map_info(fd.get(), x); e != 0) return sys_error(what + ": bpf_obj_get_info_by_fd", e);
    if (x.info.type != BPF_MAP_TYPE_STRUCT_OPS)
      return make_error(Code::Type, what + " (" + x.info.name + ") is a " + map_type_name(x.info.type) +
                                        " map, not a struct_ops map");
    if (x.info.value_size == 0 || x.info.value_size > (1u << 20))
      return make_error(Code::Format, what + ": value size " + std::to_string(x.info.value_size) + " is not plausible");
    std::vector<uint8_t> value(x.info.value_size);
    uint32_t key = 0;
    if (bpf_map_lookup_elem(fd.get(), &key, value.data()) != 0)
      return sys_error(what + ": bpf_map_lookup_elem", errno);
    if (!seen_.insert(x.info.id).second) return {};
    Selected s;
    s.fd = std::move(fd);
    s.x = x;
    s.struct_ops_root = true;
    out.push_back(std::move(s));
    // The kernel returns the value with each function pointer replaced by
    // the id of the program behind it; every 8-byte slot that names a
    // struct_ops program is one.
    for (size_t off = 0; off + 8 <= value.size(); off += 8) {
      uint64_t v;
      std::memcpy(&v, value.data() + off, 8);
      if (v == 0 || v > UINT32_MAX) continue;
      int pfd = bpf_prog_get_fd_by_id(static_cast<uint32_t>(v));
      if (pfd < 0) continue;
      bpf_prog_info info;
      std::memset(&info, 0, sizeof info);
      uint32_t len = sizeof info;
      bool is_struct_ops = bpf_obj_get_info_by_fd(pfd, &info, &len) == 0 && info.type == kProgTypeStructOps;
      ::close(pfd);
      if (!is_struct_ops) continue;
      if (Status st = add_prog(static_cast<uint32_t>(v), false); !st.ok()) return st;
    }
    return {};
  }

  // Every map of the machine whose name starts with `prefix` ("" = all).
  // A non-empty prefix that matches no map is NotFound, naming a few maps
  // that do exist.
  Status add_all(std::string_view prefix) {
    uint32_t id = 0, total = 0, matched = 0;
    std::vector<std::string> others;
    for (;;) {
      if (bpf_map_get_next_id(id, &id) != 0) {
        int e = errno;
        if (e == ENOENT) break;
        return sys_error("enumerating maps: bpf_map_get_next_id", e);
      }
      total++;
      if (seen_.count(id)) {
        // Selected before (by id, path...): counts if its name matches.
        for (const Selected& o : out)
          if (o.x.info.id == id && std::string_view(o.x.info.name).starts_with(prefix)) matched++;
        continue;
      }
      int fd = bpf_map_get_fd_by_id(id);
      if (fd < 0) {
        int e = errno;
        if (e == ENOENT) continue;  // went away while enumerating
        return sys_error("enumerating maps: bpf_map_get_fd_by_id(" + std::to_string(id) + ")", e);
      }
      Fd owned(fd);
      MapInfoX x;
      if (int e = map_info(fd, x); e != 0) return sys_error("enumerating maps: bpf_obj_get_info_by_fd", e);
      if (!std::string_view(x.info.name).starts_with(prefix)) {
        if (others.size() < 5 && std::find(others.begin(), others.end(), x.info.name) == others.end())
          others.emplace_back(x.info.name);
        continue;
      }
      matched++;
      seen_.insert(id);
      Selected s;
      s.fd = std::move(owned);
      s.x = x;
      out.push_back(std::move(s));
    }
    if (prefix.empty() || matched > 0) return {};
    std::string msg = "no map matched the name prefix \"" + std::string(prefix) + "\" (" + std::to_string(total) +
                      " maps on this machine";
    for (size_t i = 0; i < others.size(); i++) msg += (i == 0 ? "; some of them: " : ", ") + others[i];
    return make_error(Code::NotFound, msg + ")");
  }

  Status add_object(const bpf_object* cobj) {
    // libbpf's iteration takes a non-const object but does not change it.
    auto* obj = const_cast<bpf_object*>(cobj);
    const char* oname = bpf_object__name(obj);
    bpf_map* map;
    bpf_object__for_each_map(map, obj) {
      int fd = bpf_map__fd(map);
      if (fd < 0) continue;  // not created (object not loaded, or autocreate off)
      int dfd = ::fcntl(fd, F_DUPFD_CLOEXEC, 3);
      if (dfd < 0) return sys_error(std::string("object map ") + bpf_map__name(map) + ": dup", errno);
      if (Status st = add_fd(Fd(dfd), std::string("object map ") + bpf_map__name(map), oname ? oname : "");
          !st.ok())
        return st;
    }
    return {};
  }

 private:
  std::unordered_set<uint32_t> seen_;
};

}  // namespace

Result<std::vector<Selected>> select_maps(const Selection& sel) {
  if (sel.map_ids.empty() && sel.pinned_paths.empty() && sel.prog_ids.empty() && sel.struct_ops_map_id == 0 &&
      sel.name_prefix.empty() && sel.object == nullptr && !sel.all)
    return make_error(Code::Invalid,
                      "nothing selected: give map ids, pinned paths, program ids, a struct_ops map id, a name "
                      "prefix, a BPF object, or select all maps");
  Selector s;
  for (uint32_t id : sel.map_ids) {
    if (id == 0) return make_error(Code::Invalid, "map id 0 is not a valid id");
    if (Status st = s.add_id(id, true, "map id " + std::to_string(id)); !st.ok()) return st.take_error();
  }
  for (const std::string& p : sel.pinned_paths) {
    if (p.empty()) return make_error(Code::Invalid, "pinned path is empty");
    if (Status st = s.add_pinned(p); !st.ok()) return st.take_error();
  }
  for (uint32_t id : sel.prog_ids) {
    if (id == 0) return make_error(Code::Invalid, "program id 0 is not a valid id");
    if (Status st = s.add_prog(id, true); !st.ok()) return st.take_error();
  }
  if (sel.struct_ops_map_id != 0)
    if (Status st = s.add_struct_ops(sel.struct_ops_map_id); !st.ok()) return st.take_error();
  if (sel.object != nullptr)
    if (Status st = s.add_object(sel.object); !st.ok()) return st.take_error();
  if (sel.all || !sel.name_prefix.empty())
    if (Status st = s.add_all(sel.all ? std::string_view() : std::string_view(sel.name_prefix)); !st.ok())
      return st.take_error();
  return std::move(s.out);
}

}  // namespace capture::detail
}  // namespace v1
}  // namespace ktsnap
