// The one place an Error becomes an HTTP answer: status code and the
// Distribution error body {"errors":[{"code","message","detail"}]}.
#pragma once
#include "core/digest.h"
#include "core/error.h"
#include "http/exchange.h"

namespace portcullis::registry {

unsigned http_status(core::ErrorCode code);
http::Response error_response(const core::Error& error);
http::Response error_response(core::ErrorCode code, std::string message);

// A digest from a URL or query: any failure, an unregistered algorithm
// included, is DIGEST_INVALID (400).
core::Result<core::Digest> parse_digest(std::string_view text);

}  // namespace portcullis::registry
