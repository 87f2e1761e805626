// Factories of the built-in analyzers, one per file in this folder.
#pragma once
#include <memory>

#include "scan/analyzer.h"

namespace portcullis::scan {

// OS release files (os_release.cpp).
std::unique_ptr<Analyzer> make_os_release_analyzer();
// OS package databases.
std::unique_ptr<Analyzer> make_dpkg_analyzer();  // dpkg.cpp
std::unique_ptr<Analyzer> make_apk_analyzer();   // apk.cpp
std::unique_ptr<Analyzer> make_rpm_analyzer();   // rpm.cpp
// Language packages.
std::unique_ptr<Analyzer> make_npm_analyzer();       // npm.cpp: package-lock.json, node_modules/**/package.json
std::unique_ptr<Analyzer> make_python_analyzer();    // python.cpp
std::unique_ptr<Analyzer> make_ruby_analyzer();      // ruby.cpp
std::unique_ptr<Analyzer> make_rust_analyzer();      // rust.cpp
std::unique_ptr<Analyzer> make_php_analyzer();       // php.cpp
std::unique_ptr<Analyzer> make_java_analyzer();      // java.cpp
std::unique_ptr<Analyzer> make_go_binary_analyzer(); // go_binary.cpp

}  // namespace portcullis::scan
