// Writing a command's document to standard output or to a file. A file is
// written beside its target and renamed, so a failed run leaves no half file.
#pragma once
#include <functional>
#include <ostream>
#include <string>

namespace portcullis::app {

// Returns 0, or 1 after printing "<prefix>: cannot write FILE" on stderr.
int write_output(const std::string& path, const std::string& prefix, const std::function<void(std::ostream&)>& write);

}  // namespace portcullis::app
