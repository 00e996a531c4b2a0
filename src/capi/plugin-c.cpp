// Capture-source plugins, host side: load a plugin with dlopen, check the
// table its entry point returns, and run its captures into builders the
// host owns (docs/PLUGINS.md). Every refusal names the file; the host
// keeps running after any of them.
#include <dlfcn.h>
#include <link.h>
#include <sys/stat.h>
#include <time.h>

#include <cerrno>
#include <cstdio>
#include <atomic>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>

#include "capi/common-c.hpp"
#include "capi/handles-c.hpp"

using namespace ktsnap::capi;

struct ktsnap_source {
  void* dl = nullptr;
  std::string path;
  std::string name;
  std::string version;
  ktsnap_plugin table{};  // the version-1 part, copied at load
  void* state = nullptr;
  std::mutex mu;  // captures of one source never overlap
  uint64_t seq = 0;
  std::atomic<uint64_t> captures{0};
};

namespace {

// The largest table a host accepts (a wild sz must not make it read far).
constexpr size_t kMaxTableSize = 4096;

// "plugin '<path>'" or, once the table is read, "plugin 'name' (<path>)".
std::string who(const ktsnap_source& s) {
  return s.name.empty() ? "plugin '" + s.path + "'" : "plugin '" + s.name + "' (" + s.path + ")";
}

// The plugin's reason from its buffer, else what a ktsnap call it made left
// on this thread, else a fixed text.
std::string reason_of(const char* err_buf) {
  size_t n = strnlen(err_buf, KTSNAP_PLUGIN_ERR_MAX - 1);
  if (n > 0) return std::string(err_buf, n);
  const char* last = ktsnap_last_error();
  if (last != nullptr && *last != '\0') return std::string("(no reason given; last ktsnap error: ") + last + ")";
  return "(no reason given)";
}

// A plugin's status: negative ones pass through, a positive one is a bug
// of the plugin (INTERNAL).
ktsnap_status plugin_status(ktsnap_status st, std::string* note) {
  if (st < 0) return st;
  *note = " (it returned the positive number " + std::to_string(st) + ", not a status)";
  return KTSNAP_E_INTERNAL;
}

void unload(ktsnap_source* s) {
  if (s->dl != nullptr) dlclose(s->dl);
  s->dl = nullptr;
}

// Checks the table against version 1 and copies it into *s.
ktsnap_status check_table(ktsnap_source* s, const ktsnap_plugin* t) {
  const std::string w = who(*s);
  if (t == nullptr)
    return fail(KTSNAP_E_INVALID,
                w + ": " KTSNAP_PLUGIN_ENTRY "() returned NULL (the plugin declined to load)");
  size_t sz = t->sz;
  if (sz < offsetof(ktsnap_plugin, flags))
    return fail(KTSNAP_E_INVALID, w + ": plugin table size " + std::to_string(sz) +
                                      " is too small to hold its ABI major (a short or corrupt table)");
  if (t->abi_major != KTSNAP_PLUGIN_ABI_MAJOR)
    return fail(KTSNAP_E_VERSION, w + ": built for plugin ABI major " + std::to_string(t->abi_major) +
                                      "; this host speaks major " + std::to_string(KTSNAP_PLUGIN_ABI_MAJOR) +
                                      " (rebuild the plugin against this ktsnap.h)");
  if (sz < KTSNAP_PLUGIN_SIZE_V1)
    return fail(KTSNAP_E_INVALID, w + ": plugin table size " + std::to_string(sz) + " is smaller than the " +
                                      std::to_string(KTSNAP_PLUGIN_SIZE_V1) +
                                      " bytes of version 1 (a short table: set sz = sizeof(ktsnap_plugin))");
  if (sz > kMaxTableSize)
    return fail(KTSNAP_E_INVALID, w + ": plugin table size " + std::to_string(sz) + " is implausible (more than " +
                                      std::to_string(kMaxTableSize) + " bytes)");
  const auto* bytes = reinterpret_cast<const unsigned char*>(t);
  for (size_t i = sizeof(ktsnap_plugin); i < sz; i++)
    if (bytes[i] != 0)
      return fail(KTSNAP_E_VERSION, w + ": plugin table has a non-zero byte at offset " + std::to_string(i) +
                                        ", past the " + std::to_string(sizeof(ktsnap_plugin)) +
                                        " bytes this host knows: it needs a newer ktsnap");
  if (t->flags != 0) {
    char hex[16];
    std::snprintf(hex, sizeof hex, "0x%x", t->flags);
    return fail(KTSNAP_E_VERSION,
                w + ": plugin table flags " + hex + " are unknown to this host (it needs a newer ktsnap)");
  }
  if (t->name == nullptr || t->name[0] == '\0')
    return fail(KTSNAP_E_INVALID, w + ": plugin table has no name (ktsnap_plugin.name is NULL or empty)");
  if (t->capture == nullptr)
    return fail(KTSNAP_E_INVALID, w + ": plugin table has no capture function (ktsnap_plugin.capture is NULL)");
  std::memcpy(&s->table, t, sizeof s->table);
  s->name.assign(t->name, strnlen(t->name, 256));
  if (t->version != nullptr) s->version.assign(t->version, strnlen(t->version, 256));
  return KTSNAP_OK;
}

// The object (shared library or program) that holds this copy of the
// library's code: found from a function that is not exported, so no PLT
// slot or interposition can stand in for it.
const void* this_copy_base() noexcept {
  Dl_info info{};
  if (dladdr(reinterpret_cast<const void*>(&this_copy_base), &info) == 0) return nullptr;
  return info.dli_fbase;
}

// A plugin's ktsnap_* calls must reach this copy of the library: a builder
// made here and filled by another copy would be misread there (its handles
// are C++ objects of that copy). Two copies meet when the host links
// libktsnap.a (a C program, the Go binding's ktsnap_static tag) and the
// plugin links libktsnap.so.1, or when a host loads libktsnap.so.1 from two
// paths. The plugin's undefined ktsnap_* symbols bind to the global scope
// first, then to its own dependencies: ask both the same way. A plugin that
// links no libktsnap (it finds the functions some other way) is not judged.
ktsnap_status check_same_copy(const ktsnap_source& s, void* dl) {
  static constexpr const char* probe = "ktsnap_builder_add_map";
  void* bound = dlsym(RTLD_DEFAULT, probe);
  if (bound == nullptr) bound = dlsym(dl, probe);
  if (bound == nullptr) return KTSNAP_OK;
  Dl_info theirs{};
  void* extra = nullptr;
  if (dladdr1(bound, &theirs, &extra, RTLD_DL_SYMENT) == 0) return KTSNAP_OK;
  const auto* sym = static_cast<const ElfW(Sym)*>(extra);
  // A program that takes a function's address without being position
  // independent gets a canonical PLT slot as the address: an undefined
  // symbol of that program, standing for the library it links dynamically.
  if (sym != nullptr && sym->st_shndx == SHN_UNDEF) return KTSNAP_OK;
  const void* ours = this_copy_base();
  if (ours == nullptr || theirs.dli_fbase == ours) return KTSNAP_OK;
  Dl_info here{};
  dladdr(reinterpret_cast<const void*>(&this_copy_base), &here);
  std::string ours_name = here.dli_fname && here.dli_fname[0] ? here.dli_fname : "the program";
  std::string theirs_name = theirs.dli_fname && theirs.dli_fname[0] ? theirs.dli_fname : "another object";
  return fail(KTSNAP_E_UNSUPPORTED,
              who(s) + ": the plugin would call another copy of libktsnap (" + theirs_name +
                  ") than the host's (" + ours_name +
                  "); its reports would be built by one copy and read by the other. Load plugins from a host "
                  "that links libktsnap.so.1 (not libktsnap.a)");
}

uint64_t clock_ns(clockid_t id) {
  timespec ts{};
  clock_gettime(id, &ts);
  return uint64_t(ts.tv_sec) * 1000000000u + uint64_t(ts.tv_nsec);
}

}  // namespace

extern "C" {

KTSNAP_API ktsnap_status ktsnap_source_opts_init(ktsnap_source_opts* opts, size_t sz) noexcept {
  clear_error();
  return init_sz(opts, sz, "ktsnap_source_opts_init");
}

KTSNAP_API ktsnap_status ktsnap_source_open(ktsnap_source** out, const char* path,
                                            const ktsnap_source_opts* opts) noexcept {
  static constexpr const char* fn = "ktsnap_source_open";
  return guard(fn, [&]() -> ktsnap_status {
    KTSNAP_CAPI_REQUIRE(fn, out);
    *out = nullptr;
    KTSNAP_CAPI_REQUIRE(fn, path);
    if (*path == '\0') return fail_parts(KTSNAP_E_INVALID, fn, ": path is empty");
    size_t sz = 0;
    if (ktsnap_status st = check_sz(opts, sizeof(ktsnap_source_opts), "ktsnap_source_opts", &sz); st != KTSNAP_OK)
      return st;
    const char* arg = KTSNAP_CAPI_GET(opts, sz, arg, static_cast<const char*>(nullptr));
    if (opts != nullptr) {
      if (ktsnap_status st = check_flags(KTSNAP_CAPI_GET(opts, sz, flags, 0u), 0u, "ktsnap_source_opts.flags");
          st != KTSNAP_OK)
        return st;
      if (ktsnap_status st = check_reserved(opts->reserved, offsetof(ktsnap_source_opts, reserved),
                                            sizeof opts->reserved, sz, "ktsnap_source_opts");
          st != KTSNAP_OK)
        return st;
    }

    auto src = std::make_unique<ktsnap_source>();
    src->path = path;
    // A path names a file: say plainly when it is missing or unreadable
    // (dlopen's own text is less direct).
    if (std::strchr(path, '/') != nullptr) {
      struct stat stbuf {};
      if (::stat(path, &stbuf) != 0) {
        int e = errno;
        return fail(e == ENOENT ? KTSNAP_E_NOTFOUND : e == EACCES ? KTSNAP_E_PERM : KTSNAP_E_IO,
                    who(*src) + ": cannot load: " + std::strerror(e), e);
      }
      if (S_ISDIR(stbuf.st_mode))
        return fail(KTSNAP_E_INVALID, who(*src) + ": cannot load: it is a directory, not a shared object");
    }
    dlerror();
    src->dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (src->dl == nullptr) {
      const char* e = dlerror();
      std::string text = e ? e : "dlopen failed";
      bool missing = std::strchr(path, '/') == nullptr && text.find("No such file") != std::string::npos;
      return fail(missing ? KTSNAP_E_NOTFOUND : KTSNAP_E_FORMAT, who(*src) + ": cannot load: " + text);
    }
    if (ktsnap_status st = check_same_copy(*src, src->dl); st != KTSNAP_OK) {
      unload(src.get());
      return st;
    }
    dlerror();
    void* sym = dlsym(src->dl, KTSNAP_PLUGIN_ENTRY);
    if (sym == nullptr) {
      unload(src.get());
      return fail(KTSNAP_E_NOTFOUND, who(*src) + ": exports no " KTSNAP_PLUGIN_ENTRY
                                                 "() entry point (is it a ktsnap capture-source plugin "
                                                 "of plugin ABI major 1?)");
    }
    ktsnap_plugin_entry_fn entry;
    static_assert(sizeof entry == sizeof sym);
    std::memcpy(&entry, &sym, sizeof entry);
    if (ktsnap_status st = check_table(src.get(), entry()); st != KTSNAP_OK) {
      unload(src.get());
      return st;
    }
    if (src->table.init != nullptr) {
      char err[KTSNAP_PLUGIN_ERR_MAX] = {0};
      clear_error();
      void* state = nullptr;
      ktsnap_status st = src->table.init(&state, arg, err, sizeof err);
      err[sizeof err - 1] = '\0';
      if (st != KTSNAP_OK) {
        std::string note;
        ktsnap_status rs = plugin_status(st, &note);
        std::string msg = who(*src) + ": init failed: " + reason_of(err) + note;
        unload(src.get());
        return fail(rs, msg);
      }
      src->state = state;
    }
    *out = src.release();
    return KTSNAP_OK;
  });
}

KTSNAP_API ktsnap_status ktsnap_source_capture(ktsnap_report** out, ktsnap_source* source, const char* tag,
                                               uint32_t trigger) noexcept {
  static constexpr const char* fn = "ktsnap_source_capture";
  return guard(fn, [&]() -> ktsnap_status {
    KTSNAP_CAPI_REQUIRE(fn, out);
    *out = nullptr;
    KTSNAP_CAPI_REQUIRE(fn, source);
    if (trigger > KTSNAP_TRIGGER_PERIODIC)
      return fail(KTSNAP_E_INVALID, std::string(fn) + ": trigger " + std::to_string(trigger) + " is not a KTSNAP_TRIGGER_*");
    std::lock_guard<std::mutex> lock(source->mu);
    const std::string w = who(*source);
    std::string tag_s = tag ? tag : "";

    ktsnap_builder* raw = nullptr;
    if (ktsnap_status st = ktsnap_builder_new(&raw, nullptr); st != KTSNAP_OK) return st;
    std::unique_ptr<ktsnap_builder, void (*)(ktsnap_builder*)> b(raw, ktsnap_builder_free);
    ktsnap_metadata md = KTSNAP_METADATA_INIT;
    md.tag = tag_s.c_str();
    md.trigger = trigger;
    md.wall_time_ns = clock_ns(CLOCK_REALTIME);
    md.monotonic_ns = clock_ns(CLOCK_MONOTONIC);
    if (ktsnap_status st = ktsnap_builder_set_metadata(b.get(), &md); st != KTSNAP_OK) return st;

    ktsnap_plugin_request req{};
    req.sz = sizeof req;
    req.tag = tag_s.c_str();
    req.tag_len = tag_s.size();
    req.seq = ++source->seq;
    req.trigger = trigger;
    char err[KTSNAP_PLUGIN_ERR_MAX] = {0};
    clear_error();
    ktsnap_status st = source->table.capture(b.get(), &req, err, sizeof err, source->state);
    err[sizeof err - 1] = '\0';
    if (st != KTSNAP_OK) {
      std::string note;
      ktsnap_status rs = plugin_status(st, &note);
      return fail(rs, w + ": capture of tag '" + tag_s + "' failed: " + ktsnap_status_str(rs) + ": " +
                          reason_of(err) + note);
    }
    clear_error();
    if (b->finished)
      return fail(KTSNAP_E_INVALID, w + ": capture of tag '" + tag_s +
                                        "' finished the builder itself; a plugin must leave "
                                        "ktsnap_builder_finish() to the host");
    ktsnap_report* rep = nullptr;
    if (ktsnap_status fs = ktsnap_builder_finish(&rep, b.get()); fs != KTSNAP_OK) {
      std::string msg = ktsnap_last_error();
      return fail(fs, w + ": capture of tag '" + tag_s + "' gave a report that cannot be finished: " + msg);
    }
    if (ktsnap_report_map_count(rep) == 0 && ktsnap_report_excluded_count(rep) == 0 &&
        !ktsnap_report_is_placeholder(rep)) {
      ktsnap_report_free(rep);
      return fail(KTSNAP_E_NOTFOUND, w + ": capture of tag '" + tag_s +
                                         "' returned OK but added no map, no excluded map and no placeholder "
                                         "reason (an empty builder)");
    }
    source->captures++;
    *out = rep;
    return KTSNAP_OK;
  });
}

KTSNAP_API const char* ktsnap_source_name(const ktsnap_source* source) noexcept {
  return source ? source->name.c_str() : nullptr;
}

KTSNAP_API const char* ktsnap_source_version(const ktsnap_source* source) noexcept {
  return source ? source->version.c_str() : nullptr;
}

KTSNAP_API uint64_t ktsnap_source_capture_count(const ktsnap_source* source) noexcept {
  return source ? source->captures.load() : 0;
}

KTSNAP_API void ktsnap_source_free(ktsnap_source* source) noexcept {
  if (source == nullptr) return;
  if (source->table.fini != nullptr) source->table.fini(source->state);
  unload(source);
  delete source;
}

}  // extern "C"
