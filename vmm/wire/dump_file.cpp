#include "wire/dump_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace ktsnap::wire {
namespace {

bool safe_char(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
}

// Bytes of the UTF-8 sequence starting with lead byte `c` (1 for anything
// that is not a lead byte: each stray byte then becomes one '_').
size_t seq_len(unsigned char c) {
  if (c >= 0xF0 && c <= 0xF4) return 4;
  if (c >= 0xE0) return c <= 0xEF ? 3 : 1;
  if (c >= 0xC2) return 2;
  return 1;
}

Error sys_error(const std::string& what, const std::string& path) {
  int e = errno;
  return make_error(e == EACCES || e == EPERM ? Code::Perm : Code::Io, what + " '" + path + "': " + std::strerror(e),
                    e);
}

}  // namespace

std::string sanitize_tag_for_path(std::string_view tag) {
  std::string out;
  for (size_t i = 0; i < tag.size();) {
    auto c = static_cast<unsigned char>(tag[i]);
    if (safe_char(c)) {
      out += char(c);
      i++;
      continue;
    }
    size_t n = seq_len(c);
    // Only a whole, well-formed continuation run counts as one character.
    bool whole = i + n <= tag.size();
    for (size_t k = 1; whole && k < n; k++) whole = (static_cast<unsigned char>(tag[i + k]) & 0xC0) == 0x80;
    out += '_';
    i += whole ? n : 1;
  }
  return out;
}

std::string snapshot_tagged_path(std::string_view base, std::string_view tag) {
  std::string_view dir, file = base;
  if (size_t slash = base.rfind('/'); slash != std::string_view::npos) {
    dir = base.substr(0, slash + 1);
    file = base.substr(slash + 1);
  }
  std::string_view stem = file, ext;
  if (size_t dot = file.rfind('.'); dot != std::string_view::npos && dot > 0) {
    stem = file.substr(0, dot);
    ext = file.substr(dot + 1);
  }
  constexpr std::string_view kFailureDump = ".failure-dump";
  if (stem.size() >= kFailureDump.size() && stem.substr(stem.size() - kFailureDump.size()) == kFailureDump)
    stem.remove_suffix(kFailureDump.size());
  std::string out(dir);
  out += (stem.empty() || stem.front() == '.') ? std::string_view("dump") : stem;
  out += ".snapshot.";
  out += sanitize_tag_for_path(tag);
  if (!ext.empty()) {
    out += '.';
    out += ext;
  }
  return out;
}

Status write_file_atomic(const std::string& path, std::span<const uint8_t> bytes,
                         const std::function<int(int)>& fsync_dir) {
  std::filesystem::path p(path);
  std::filesystem::path parent = p.has_parent_path() ? p.parent_path() : std::filesystem::path(".");
  std::error_code ec;
  std::filesystem::create_directories(parent, ec);
  if (ec) return make_error(Code::Io, "cannot create directory '" + parent.string() + "': " + ec.message(), ec.value());
  std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return sys_error("cannot create", tmp);
  auto fail = [&](Error e) -> Status {
    if (fd >= 0) ::close(fd);
    ::unlink(tmp.c_str());
    return e;
  };
  size_t off = 0;
  while (off < bytes.size()) {
    ssize_t n = ::write(fd, bytes.data() + off, bytes.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return fail(sys_error("cannot write", tmp));
    off += size_t(n);
  }
  if (::fsync(fd) != 0) return fail(sys_error("cannot fsync", tmp));
  if (::close(fd) != 0) {
    fd = -1;
    return fail(sys_error("cannot close", tmp));
  }
  fd = -1;
  if (::rename(tmp.c_str(), path.c_str()) != 0) return fail(sys_error("cannot rename the temporary file to", path));
  int dfd = ::open(parent.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  int rc = dfd < 0 ? -1 : (fsync_dir ? fsync_dir(dfd) : ::fsync(dfd));
  if (rc != 0) {
    Error e = sys_error("cannot fsync the directory of", path);
    if (dfd >= 0) ::close(dfd);
    ::unlink(path.c_str());
    return e;
  }
  ::close(dfd);
  return {};
}

}  // namespace ktsnap::wire
