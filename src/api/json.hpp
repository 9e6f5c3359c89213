// JSON responses for handlers.
#pragma once

#include <boost/json/value.hpp>

#include "http/message.hpp"

namespace companion::api {

http::Response json_response(unsigned status, const boost::json::value& body);
// 204 without a body.
http::Response no_content();

}  // namespace companion::api
