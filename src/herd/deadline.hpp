#pragma once

#include <chrono>
#include <exception>
#include <optional>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/experimental/parallel_group.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace herd::peer {

// Awaits `operation`, cancelling it when `timeout` passes first (and waiting for it to end, so
// what it refers to must outlive this call, not the timeout). Returns its result, or nothing on
// timeout. When `operation` throws, the exception passes on at once (not a wait for the timeout
// and a report of one). T must be default-constructible.
template <typename T>
boost::asio::awaitable<std::optional<T>> with_deadline(boost::asio::awaitable<T> operation,
                                                       std::chrono::steady_clock::duration timeout) {
    namespace asio = boost::asio;
    const auto executor = co_await asio::this_coro::executor;
    asio::steady_timer timer(executor, timeout);
    [[maybe_unused]] auto [order, failure, result, timer_error] =
        co_await asio::experimental::make_parallel_group(asio::co_spawn(executor, std::move(operation), asio::deferred),
                                                         timer.async_wait(asio::deferred))
            .async_wait(asio::experimental::wait_for_one(), asio::use_awaitable);
    if (order[0] != 0) {
        co_return std::nullopt; // the timer: the operation was cancelled
    }
    if (failure) {
        std::rethrow_exception(failure);
    }
    co_return std::move(result);
}

} // namespace herd::peer
