// JSON responses for handlers.
#pragma once

#include <boost/json/value.hpp>

#include "http/message.hpp"

namespace companion::api {

http::Response json_response(unsigned status, const boost::json::value& body);

}  // namespace companion::api
