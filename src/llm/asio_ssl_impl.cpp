// Asio's TLS support compiled once, here (BOOST_ASIO_SEPARATE_COMPILATION), for llm/.
#include <boost/asio/ssl/impl/src.hpp>
