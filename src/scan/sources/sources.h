// The transports behind open_image_source(), one file each.
#pragma once
#include <memory>
#include <string>
#include <string_view>

#include "core/result.h"
#include "scan/analyzer.h"
#include "scan/file_dispatch.h"
#include "scan/image_source.h"

namespace portcullis::scan {

// oci:DIR[:TAG]  (oci_layout.cpp); `spec` is "DIR[:TAG]".
core::Result<std::unique_ptr<ImageSource>> make_oci_layout_source(std::string_view spec);
// docker-archive:FILE  (docker_archive.cpp)
core::Result<std::unique_ptr<ImageSource>> make_docker_archive_source(std::string_view path);
// dir:ROOTFS  (rootfs_dir.cpp)
core::Result<std::unique_ptr<ImageSource>> make_rootfs_source(std::string_view path);
// The files of a dir: source, analyzed like one layer (no whiteouts; never cached).
core::Result<LayerResult> read_rootfs(const std::string& dir, const AnalyzerList& analyzers, const ScanLimits& limits);
// docker://HOST/NAME:TAG|@DIGEST  (docker.cpp); `reference` is without "docker://".
core::Result<std::unique_ptr<ImageSource>> make_docker_source(std::string_view reference, const SourceOptions& options);

}  // namespace portcullis::scan
