#include "scan/analyzers/analyzers.h"

namespace portcullis::scan {

AnalyzerList all_analyzers() {
  AnalyzerList list;
  list.push_back(make_os_release_analyzer());
  list.push_back(make_dpkg_analyzer());
  list.push_back(make_apk_analyzer());
  list.push_back(make_rpm_analyzer());
  list.push_back(make_npm_analyzer());
  list.push_back(make_python_analyzer());
  list.push_back(make_ruby_analyzer());
  list.push_back(make_rust_analyzer());
  list.push_back(make_php_analyzer());
  list.push_back(make_java_analyzer());
  list.push_back(make_go_binary_analyzer());
  return list;
}

}  // namespace portcullis::scan
