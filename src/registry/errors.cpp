#include "registry/errors.h"

#include <nlohmann/json.hpp>

namespace portcullis::registry {

using core::ErrorCode;

unsigned http_status(ErrorCode code) {
  switch (code) {
    case ErrorCode::BlobUnknown: return 404;
    case ErrorCode::BlobUploadInvalid: return 400;
    case ErrorCode::BlobUploadUnknown: return 404;
    case ErrorCode::DigestInvalid: return 400;
    case ErrorCode::ManifestBlobUnknown: return 400;
    case ErrorCode::ManifestInvalid: return 400;
    case ErrorCode::ManifestUnknown: return 404;
    case ErrorCode::NameInvalid: return 400;
    case ErrorCode::NameUnknown: return 404;
    case ErrorCode::SizeInvalid: return 400;
    case ErrorCode::Unauthorized: return 401;
    case ErrorCode::Denied: return 403;
    case ErrorCode::Unsupported: return 405;
    case ErrorCode::TooManyRequests: return 429;
    case ErrorCode::RangeInvalid: return 416;
    case ErrorCode::ManifestTooLarge: return 413;
    case ErrorCode::NotFound: return 404;
    case ErrorCode::InvalidArgument: return 400;
    case ErrorCode::Conflict: return 409;
    case ErrorCode::Io: return 500;
    case ErrorCode::Internal: return 500;
  }
  return 500;
}

http::Response error_response(const core::Error& error) {
  http::Response r;
  r.status = http_status(error.code);
  nlohmann::json body = {{"errors", nlohmann::json::array({{{"code", std::string(core::error_code_name(error.code))},
                                                            {"message", error.message},
                                                            {"detail", nlohmann::json::object()}}})}};
  r.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  r.header("Content-Type", "application/json; charset=utf-8");
  return r;
}

core::Result<core::Digest> parse_digest(std::string_view text) {
  auto d = core::Digest::parse(text);
  if (!d && d.error().code != ErrorCode::DigestInvalid) return core::make_error(ErrorCode::DigestInvalid, d.error().message);
  return d;
}

http::Response error_response(ErrorCode code, std::string message) {
  return error_response(core::Error{code, std::move(message)});
}

}  // namespace portcullis::registry
