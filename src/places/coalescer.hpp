#pragma once

#include <exception>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <vector>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace herd::places {

// Runs one computation per key at a time: a caller asking for a key that is already being
// computed waits for that computation's result instead of starting another. Single-threaded.
template <typename Key, typename Value>
class coalescer {
public:
    // The value for `key`: `compute()`'s, or the one already in flight for `key`.
    boost::asio::awaitable<Value> run(const Key& key, std::function<boost::asio::awaitable<Value>()> compute) {
        if (const auto found = in_flight_.find(key); found != in_flight_.end()) {
            const std::shared_ptr<pending> shared = found->second;
            boost::asio::steady_timer done(co_await boost::asio::this_coro::executor,
                                           boost::asio::steady_timer::time_point::max());
            shared->waiters.push_back(&done);
            co_await done.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
            if (shared->failure) {
                std::rethrow_exception(shared->failure);
            }
            co_return *shared->value;
        }
        const auto shared = std::make_shared<pending>();
        in_flight_.emplace(key, shared);
        try {
            shared->value = co_await compute();
        } catch (...) {
            shared->failure = std::current_exception();
        }
        in_flight_.erase(key);
        for (boost::asio::steady_timer* waiter : shared->waiters) {
            waiter->cancel();
        }
        if (shared->failure) {
            std::rethrow_exception(shared->failure);
        }
        co_return *shared->value;
    }

    std::size_t in_flight() const { return in_flight_.size(); }

private:
    struct pending {
        std::optional<Value> value;
        std::exception_ptr failure;
        std::vector<boost::asio::steady_timer*> waiters;
    };
    std::map<Key, std::shared_ptr<pending>> in_flight_;
};

} // namespace herd::places
