// Analyzer: turns files of a layer into packages and OS facts.
//
// The layer reader walks each tar once. For every regular file it asks each
// analyzer whether it wants the file (from the path, size and mode alone);
// only wanted files are read, either whole into memory (at most size_limit()
// bytes; larger files are skipped with a warning) or as a stream of chunks.
// Analyzers are stateless and const: one instance serves many layers on many
// threads. They never throw for bad content: a malformed file adds a warning to
// its FileResult and whatever could be read still counts.
//
// version() is part of the layer cache key: bump it whenever the analyzer's
// output for the same input changes.
#pragma once
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "scan/package.h"

namespace portcullis::scan {

struct FileInfo {
  std::string_view path;  // clean, relative, no leading '/' ("usr/lib/os-release")
  std::uint64_t size = 0;
  std::uint32_t mode = 0;  // permission bits (0755); executables have some x bit
};

enum class Want { no, whole, stream };

// Receives one file's bytes in order when an analyzer asked for Want::stream.
class StreamConsumer {
 public:
  virtual ~StreamConsumer() = default;
  virtual void feed(std::string_view chunk) = 0;
  // Called once after the last chunk (also when the file was cut short:
  // `complete` is false then).
  virtual void finish(bool complete, FileResult& out) = 0;
};

class Analyzer {
 public:
  virtual ~Analyzer() = default;
  virtual std::string_view name() const = 0;  // "dpkg", "os-release", "npm-lock", ...
  virtual int version() const = 0;
  virtual Want wants(const FileInfo& file) const = 0;
  // Largest file read whole; bigger wanted files are skipped with a warning.
  virtual std::uint64_t size_limit() const { return 32u << 20; }
  // Want::whole: the complete content of the file.
  virtual void analyze(const FileInfo& file, std::string_view content, FileResult& out) const {}
  // Want::stream: a consumer for this file.
  virtual std::unique_ptr<StreamConsumer> open_stream(const FileInfo& file) const { return nullptr; }
};

using AnalyzerList = std::vector<std::unique_ptr<Analyzer>>;

// Every analyzer Portcullis has, in a fixed order (analyzers/analyzers.cpp).
AnalyzerList all_analyzers();

}  // namespace portcullis::scan
