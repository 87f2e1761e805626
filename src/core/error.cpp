#include "core/error.h"

namespace portcullis::core {

std::string_view error_code_name(ErrorCode code) {
  switch (code) {
    case ErrorCode::BlobUnknown: return "BLOB_UNKNOWN";
    case ErrorCode::BlobUploadInvalid: return "BLOB_UPLOAD_INVALID";
    case ErrorCode::BlobUploadUnknown: return "BLOB_UPLOAD_UNKNOWN";
    case ErrorCode::DigestInvalid: return "DIGEST_INVALID";
    case ErrorCode::ManifestBlobUnknown: return "MANIFEST_BLOB_UNKNOWN";
    case ErrorCode::ManifestInvalid: return "MANIFEST_INVALID";
    case ErrorCode::ManifestUnknown: return "MANIFEST_UNKNOWN";
    case ErrorCode::NameInvalid: return "NAME_INVALID";
    case ErrorCode::NameUnknown: return "NAME_UNKNOWN";
    case ErrorCode::SizeInvalid: return "SIZE_INVALID";
    case ErrorCode::Unauthorized: return "UNAUTHORIZED";
    case ErrorCode::Denied: return "DENIED";
    case ErrorCode::Unsupported: return "UNSUPPORTED";
    case ErrorCode::TooManyRequests: return "TOOMANYREQUESTS";
    case ErrorCode::RangeInvalid: return "BLOB_UPLOAD_INVALID";
    case ErrorCode::ManifestTooLarge: return "MANIFEST_INVALID";
    case ErrorCode::NotFound: return "NOT_FOUND";
    case ErrorCode::InvalidArgument: return "INVALID_ARGUMENT";
    case ErrorCode::Conflict: return "CONFLICT";
    case ErrorCode::Io: return "UNKNOWN";
    case ErrorCode::Internal: return "UNKNOWN";
  }
  return "UNKNOWN";
}

}  // namespace portcullis::core
