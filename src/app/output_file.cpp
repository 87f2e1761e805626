#include "app/output_file.h"

#include <filesystem>
#include <fstream>
#include <iostream>

namespace portcullis::app {

int write_output(const std::string& path, const std::string& prefix, const std::function<void(std::ostream&)>& write) {
  if (path.empty() || path == "-") {
    write(std::cout);
    std::cout.flush();
    return std::cout ? 0 : 1;
  }
  std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (out) {
      write(out);
      out.flush();
    }
    if (!out) {
      std::cerr << prefix << ": cannot write " << path << "\n";
      std::error_code ec;
      std::filesystem::remove(tmp, ec);
      return 1;
    }
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    std::cerr << prefix << ": cannot write " << path << ": " << ec.message() << "\n";
    return 1;
  }
  return 0;
}

}  // namespace portcullis::app
