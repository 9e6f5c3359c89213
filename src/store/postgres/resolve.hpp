// Host-name lookups bounded by a deadline. Asio runs getaddrinfo on one background thread and
// cannot interrupt it, so at the deadline the caller stops waiting and the lookup ends unwatched.
#pragma once

#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/system/error_code.hpp>

#include "store/postgres/connection.hpp"

namespace companion::store::pg {

struct Lookup {
    bool timed_out = false;
    boost::system::error_code error;
    std::vector<std::string> addresses;  // distinct, in the resolver's order
};

Task<Lookup> lookup_host(boost::asio::any_io_executor executor, std::string name,
                         Deadline deadline);

}  // namespace companion::store::pg
