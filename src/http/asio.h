// The one place Asio and Beast are included from. Boost 1.74's
// asio/awaitable.hpp uses std::exchange without including <utility>.
#pragma once
#include <utility>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

namespace portcullis::http {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
template <class T>
using Task = asio::awaitable<T>;
}  // namespace portcullis::http
