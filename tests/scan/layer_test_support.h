// Test helpers for the scanner: tar layers built in memory with libarchive's
// writer (real pax/gnu tar, real gzip/zstd), a ByteReader over a string, and
// a small analyzer that turns "*.pkg" files into packages.
#pragma once
#include <archive.h>
#include <archive_entry.h>

#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "scan/analyzer.h"
#include "scan/image_source.h"

namespace portcullis::scan::testing {

struct TarEntry {
  enum Type { file, dir, symlink, hardlink };
  TarEntry(std::string p, std::string c = "", Type t = file, std::string l = "", unsigned m = 0644, long long sparse = -1)
      : path(std::move(p)), content(std::move(c)), type(t), link(std::move(l)), mode(m), sparse_size(sparse) {}
  std::string path;
  std::string content;
  Type type = file;
  std::string link;            // symlink / hardlink target
  unsigned mode = 0644;
  long long sparse_size = -1;  // >= 0: a sparse file of this size holding `content` at its start
};

enum class Filter { none, gzip, zstd };

inline std::string make_tar(const std::vector<TarEntry>& entries, Filter filter = Filter::none) {
  archive* a = archive_write_new();
  archive_write_set_format_pax_restricted(a);
  if (filter == Filter::gzip) archive_write_add_filter_gzip(a);
  if (filter == Filter::zstd) archive_write_add_filter_zstd(a);
  archive_write_set_bytes_in_last_block(a, 1);
  std::vector<char> buf(64 << 20);
  size_t used = 0;
  archive_write_open_memory(a, buf.data(), buf.size(), &used);
  for (const auto& e : entries) {
    archive_entry* en = archive_entry_new();
    archive_entry_set_pathname(en, e.path.c_str());
    archive_entry_set_perm(en, e.mode);
    switch (e.type) {
      case TarEntry::file:
        archive_entry_set_filetype(en, AE_IFREG);
        if (e.sparse_size >= 0) {
          archive_entry_set_size(en, e.sparse_size);
          archive_entry_sparse_add_entry(en, 0, static_cast<la_int64_t>(e.content.size()));
        } else {
          archive_entry_set_size(en, static_cast<la_int64_t>(e.content.size()));
        }
        break;
      case TarEntry::dir: archive_entry_set_filetype(en, AE_IFDIR); break;
      case TarEntry::symlink:
        archive_entry_set_filetype(en, AE_IFLNK);
        archive_entry_set_symlink(en, e.link.c_str());
        break;
      case TarEntry::hardlink:
        archive_entry_set_filetype(en, AE_IFREG);
        archive_entry_set_hardlink(en, e.link.c_str());
        break;
    }
    archive_write_header(a, en);
    if (e.type == TarEntry::file && !e.content.empty()) archive_write_data(a, e.content.data(), e.content.size());
    archive_entry_free(en);
  }
  archive_write_close(a);
  archive_write_free(a);
  return std::string(buf.data(), used);
}

class StringReader : public ByteReader {
 public:
  explicit StringReader(std::string data, std::size_t max_chunk = 1 << 20) : data_(std::move(data)), max_(max_chunk) {}
  core::Result<std::size_t> read(char* buffer, std::size_t size) override {
    std::size_t n = std::min({size, max_, data_.size() - pos_});
    std::memcpy(buffer, data_.data() + pos_, n);
    pos_ += n;
    return n;
  }

 private:
  std::string data_;
  std::size_t max_;
  std::size_t pos_ = 0;
};

inline std::unique_ptr<ByteReader> reader_of(std::string data) { return std::make_unique<StringReader>(std::move(data)); }

// Wants "*.pkg" files whole; each line "name version" is one package.
class PkgAnalyzer : public Analyzer {
 public:
  explicit PkgAnalyzer(std::uint64_t limit = 1 << 20) : limit_(limit) {}
  std::string_view name() const override { return "test-pkg"; }
  int version() const override { return 1; }
  std::uint64_t size_limit() const override { return limit_; }
  Want wants(const FileInfo& f) const override { return f.path.ends_with(".pkg") ? Want::whole : Want::no; }
  void analyze(const FileInfo&, std::string_view content, FileResult& out) const override {
    std::size_t pos = 0;
    while (pos < content.size()) {
      std::size_t nl = content.find('\n', pos);
      std::string_view line = content.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
      pos = nl == std::string_view::npos ? content.size() : nl + 1;
      std::size_t sp = line.find(' ');
      if (sp == std::string_view::npos) continue;
      Package p;
      p.ecosystem = "test";
      p.name = std::string(line.substr(0, sp));
      p.version = std::string(line.substr(sp + 1));
      out.packages.push_back(std::move(p));
    }
  }

 private:
  std::uint64_t limit_;
};

inline AnalyzerList pkg_analyzers(std::uint64_t limit = 1 << 20) {
  AnalyzerList list;
  list.push_back(std::make_unique<PkgAnalyzer>(limit));
  return list;
}

}  // namespace portcullis::scan::testing
