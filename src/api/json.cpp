#include "api/json.hpp"

#include <boost/json/serialize.hpp>

namespace companion::api {

http::Response json_response(unsigned status, const boost::json::value& body) {
    http::Response response;
    response.status = status;
    response.body = boost::json::serialize(body);
    return response;
}

}  // namespace companion::api
