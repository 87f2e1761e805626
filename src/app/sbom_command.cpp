// `portcullis sbom IMAGE`: the inventory of an image as a table or an SBOM.
#include <filesystem>
#include <fstream>
#include <iostream>

#include "app/commands.h"
#include "app/image_inventory.h"
#include "app/output_file.h"
#include "scan/sbom.h"

namespace portcullis::app {

int run_sbom(const SbomCommand& cmd) {
  auto format = scan::parse_sbom_format(cmd.format);
  if (!format) {
    std::cerr << "portcullis sbom: " << format.error().message << "\n";
    return 2;
  }
  scan::Inventory inventory;
  if (int rc = read_image_inventory(cmd.image, "portcullis sbom", inventory); rc != 0) return rc;
  scan::SbomOptions sbom_options;
  sbom_options.tool_version = PORTCULLIS_VERSION_STRING;
  return write_output(cmd.output, "portcullis sbom",
                      [&](std::ostream& out) { scan::write_sbom(inventory, *format, sbom_options, out); });
}

}  // namespace portcullis::app
