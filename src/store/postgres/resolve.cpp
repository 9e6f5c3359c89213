#include "store/postgres/resolve.hpp"

#include <algorithm>
#include <memory>
#include <tuple>
#include <utility>

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace companion::store::pg {
namespace {

namespace asio = boost::asio;
using Results = asio::ip::tcp::resolver::results_type;
using Signature = void(boost::system::error_code, Results, bool timed_out);

// A lookup raced against a timer. A parallel_group would not do: it waits for every operation,
// and a lookup under way ignores cancellation. Both callbacks run on one strand; the first to
// finish completes the wait, the other only cleans up.
struct Race {
    Race(const asio::any_io_executor& executor, asio::any_completion_handler<Signature> waiting)
        : strand(asio::make_strand(executor)),
          resolver(strand),
          timer(strand),
          handler(std::move(waiting)) {}

    void complete(boost::system::error_code error, Results results, bool timed_out) {
        if (done) return;
        done = true;
        const auto executor = asio::get_associated_executor(handler, strand);
        asio::dispatch(executor, [handler = std::move(handler), error,
                                  results = std::move(results), timed_out]() mutable {
            std::move(handler)(error, std::move(results), timed_out);
        });
    }

    asio::strand<asio::any_io_executor> strand;
    asio::ip::tcp::resolver resolver;
    asio::steady_timer timer;
    asio::any_completion_handler<Signature> handler;
    bool done = false;
};

void start_race(asio::any_completion_handler<Signature> handler,
                const asio::any_io_executor& executor, std::string name, Deadline deadline) {
    auto race = std::make_shared<Race>(executor, std::move(handler));
    asio::dispatch(race->strand, [race, name = std::move(name), deadline] {
        race->timer.expires_at(deadline);
        race->timer.async_wait([race](boost::system::error_code) {
            if (race->done) return;
            // Lookups of this resolver still queued behind a slow one are skipped.
            race->resolver.cancel();
            race->complete(asio::error::timed_out, Results(), true);
        });
        race->resolver.async_resolve(name, "",
                                     [race](boost::system::error_code error, Results results) {
                                         race->timer.cancel();
                                         race->complete(error, std::move(results), false);
                                     });
    });
}

template <class Token>
auto async_lookup(const asio::any_io_executor& executor, std::string name, Deadline deadline,
                  Token&& token) {
    return asio::async_initiate<Token, Signature>(
        [](auto handler, const asio::any_io_executor& executor, std::string name,
           Deadline deadline) {
            start_race(std::move(handler), executor, std::move(name), deadline);
        },
        token, executor, std::move(name), deadline);
}

}  // namespace

Task<Lookup> lookup_host(asio::any_io_executor executor, std::string name, Deadline deadline) {
    const auto outcome = co_await async_lookup(executor, std::move(name), deadline,
                                               asio::as_tuple(asio::use_awaitable));
    Lookup lookup;
    lookup.error = std::get<0>(outcome);
    lookup.timed_out = std::get<2>(outcome);
    for (const auto& entry : std::get<1>(outcome)) {
        auto address = entry.endpoint().address().to_string();
        if (std::find(lookup.addresses.begin(), lookup.addresses.end(), address) ==
            lookup.addresses.end()) {
            lookup.addresses.push_back(std::move(address));
        }
    }
    co_return lookup;
}

}  // namespace companion::store::pg
