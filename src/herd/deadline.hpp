#pragma once

#include <chrono>
#include <optional>
#include <variant>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace herd::peer {

// Awaits `operation`, cancelling it when `timeout` passes first. Returns its result, or
// nothing on timeout. `operation` should report errors as values (as_tuple), not throw.
template <typename T>
boost::asio::awaitable<std::optional<T>> with_deadline(boost::asio::awaitable<T> operation,
                                                       std::chrono::steady_clock::duration timeout) {
    using namespace boost::asio::experimental::awaitable_operators;
    boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor, timeout);
    auto result = co_await (std::move(operation) ||
                            timer.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable)));
    if (result.index() == 0) {
        co_return std::get<0>(std::move(result));
    }
    co_return std::nullopt;
}

} // namespace herd::peer
