#include "api/json.hpp"

#include <boost/json/serialize.hpp>

namespace companion::api {

http::Response json_response(unsigned status, const boost::json::value& body) {
    http::Response response;
    response.status = status;
    response.body = boost::json::serialize(body);
    return response;
}

http::Response no_content() {
    http::Response response;
    response.status = 204;
    response.content_type.clear();
    return response;
}

}  // namespace companion::api
