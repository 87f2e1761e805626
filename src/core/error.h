// Errors that cross module boundaries. Every fallible function returns a
// Result<T>; the HTTP edge maps an ErrorCode to an OCI error body and status
// once (registry/errors.cpp), nowhere else.
#pragma once
#include <string>
#include <string_view>

namespace portcullis::core {

enum class ErrorCode {
  // The OCI Distribution error codes, in the specification's order.
  BlobUnknown,
  BlobUploadInvalid,
  BlobUploadUnknown,
  DigestInvalid,
  ManifestBlobUnknown,
  ManifestInvalid,
  ManifestUnknown,
  NameInvalid,
  NameUnknown,
  SizeInvalid,
  Unauthorized,
  Denied,
  Unsupported,
  TooManyRequests,
  // Not in the specification's table but answered on the same wire format.
  RangeInvalid,      // 416: a chunk that does not continue the upload
  ManifestTooLarge,  // 413: over the manifest size limit
  // Generic conditions inside the process.
  NotFound,
  InvalidArgument,
  Conflict,
  Io,
  Internal,
};

// The OCI wire name of a code ("BLOB_UNKNOWN"); generic codes map to the
// closest OCI code ("UNKNOWN" for internal failures).
std::string_view error_code_name(ErrorCode code);

struct Error {
  ErrorCode code = ErrorCode::Internal;
  std::string message;
};

}  // namespace portcullis::core
