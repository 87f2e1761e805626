#include "scan/file_dispatch.h"

#include <algorithm>

namespace portcullis::scan {
namespace {
constexpr std::size_t kChunk = 128 * 1024;

std::string mib(std::uint64_t bytes) { return std::to_string((bytes + (1 << 20) - 1) >> 20) + " MiB"; }
}  // namespace

FileDispatch::FileDispatch(const AnalyzerList& analyzers, const ScanLimits& limits, LayerResult& out)
    : analyzers_(analyzers), limits_(limits), out_(out) {}

bool FileDispatch::wanted(const FileInfo& info) {
  whole_.clear();
  stream_.clear();
  for (const auto& a : analyzers_) {
    switch (a->wants(info)) {
      case Want::no: break;
      case Want::whole: whole_.push_back(a.get()); break;
      case Want::stream: stream_.push_back(a.get()); break;
    }
  }
  // Whole-file analyzers whose limit the file exceeds are told so now.
  std::erase_if(whole_, [&](const Analyzer* a) {
    if (info.size <= a->size_limit()) return false;
    FileResult skipped{std::string(info.path), std::string(a->name()), {}, {}, {}};
    skipped.warnings.push_back("skipped: " + mib(info.size) + " is over the " + std::string(a->name()) +
                               " analyzer's limit of " + mib(a->size_limit()));
    out_.files.push_back(std::move(skipped));
    return true;
  });
  if (!whole_.empty() && held_ + info.size > limits_.max_held_per_layer) {
    for (const Analyzer* a : whole_) {
      FileResult skipped{std::string(info.path), std::string(a->name()), {}, {}, {}};
      skipped.warnings.push_back("skipped: the layer's budget of " + mib(limits_.max_held_per_layer) +
                                 " for files read whole is spent");
      out_.files.push_back(std::move(skipped));
    }
    whole_.clear();
  }
  return !whole_.empty() || !stream_.empty();
}

core::Result<void> FileDispatch::feed(const FileInfo& info, const ContentReader& read) {
  std::vector<std::unique_ptr<StreamConsumer>> consumers;
  for (const Analyzer* a : stream_) {
    if (auto c = a->open_stream(info)) consumers.push_back(std::move(c));
  }
  const bool keep = !whole_.empty();
  buffer_.clear();
  if (keep) {
    buffer_.reserve(info.size);
    held_ += info.size;
  }
  char chunk[kChunk];
  std::uint64_t total = 0;
  bool complete = true;
  while (true) {
    auto n = read(chunk, sizeof chunk);
    if (!n) {
      complete = false;
      for (std::size_t i = 0; i < consumers.size(); ++i) {
        FileResult r{std::string(info.path), std::string(stream_[i]->name()), {}, {}, {}};
        consumers[i]->finish(false, r);
        out_.files.push_back(std::move(r));
      }
      return n.error();
    }
    if (*n == 0) break;
    total += *n;
    if (keep) {
      // A tar header can lie about the size; never hold more than it said.
      if (total > info.size) return core::make_error(core::ErrorCode::InvalidArgument,
                                                     std::string(info.path) + ": more content than its size");
      buffer_.append(chunk, *n);
    }
    for (auto& c : consumers) c->feed(std::string_view(chunk, *n));
  }
  for (std::size_t i = 0; i < consumers.size(); ++i) {
    FileResult r{std::string(info.path), std::string(stream_[i]->name()), {}, {}, {}};
    consumers[i]->finish(complete, r);
    out_.files.push_back(std::move(r));  // empty too: it hides a lower layer's result for the path
  }
  for (const Analyzer* a : whole_) {
    FileResult r{std::string(info.path), std::string(a->name()), {}, {}, {}};
    a->analyze(info, buffer_, r);
    // An analyzer's empty result still matters: it replaces a lower layer's
    // result for the same file (a rewritten, now empty, package database).
    out_.files.push_back(std::move(r));
  }
  if (buffer_.capacity() > (4u << 20)) std::string().swap(buffer_);
  return {};
}

}  // namespace portcullis::scan
