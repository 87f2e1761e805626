// Package URLs (https://github.com/package-url/purl-spec) for inventory packages.
#pragma once
#include <string>

#include "scan/package.h"

namespace portcullis::scan {

// The purl of `pkg` in an image whose OS is `os`
// ("pkg:deb/debian/bash@5.2.15-2%2Bb2?arch=amd64&distro=debian-12",
//  "pkg:npm/%40babel/core@7.1.0", "pkg:maven/org.apache/commons@1.2").
std::string make_purl(const Package& pkg, const OsRelease& os);

// Sets purl on every package of the inventory that has none.
struct Inventory;
void assign_purls(Inventory& inventory);

}  // namespace portcullis::scan
