// SPDX-License-Identifier: GPL-3.0-or-later
// Mountpoints and their subscribers. A frame is wrapped once in a shared immutable buffer
// and handed to every subscriber of its mountpoint; the hub also keeps the latest station
// frames (1005/1006/1033) so a new rover can start at once. Pure: time is passed in.
#pragma once

#include "gnss/bytes.hpp"
#include "ntrip/message_filter.hpp"

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace ntrip {

using steady_time = std::chrono::steady_clock::time_point;

struct frame_buffer
{
    gnss::bytes data;       // one whole RTCM3 frame
    std::uint16_t type = 0; // RTCM3 message number
    steady_time received{};
};
using frame_ptr = std::shared_ptr<const frame_buffer>;

frame_ptr make_frame(gnss::byte_view bytes, steady_time now);

// A session that receives a mountpoint's frames. deliver() gets every frame of one input
// burst (one receiver read) at once, so a session can send them in one write. It must not
// block and must not join or leave the mountpoint it is called from. With a fanout_runner
// it may run on a worker thread, at the same time as other subscribers' deliver() but
// never with anything else of its owner (the publishing thread waits): it may touch only
// its own state, its own socket and thread-safe calls such as posting to an executor.
class subscriber
{
public:
    virtual ~subscriber() = default;
    virtual void deliver(std::span<const frame_ptr> frames) = 0;
};

// Runs a fan-out loop over several threads (ntrip::fanout_pool): calls each(ctx, begin,
// end) for disjoint ranges covering [0, n) and returns when all have returned.
class fanout_runner
{
public:
    using each_fn = void (*)(void* ctx, std::size_t begin, std::size_t end);
    virtual ~fanout_runner() = default;
    virtual void run(std::size_t n, each_fn each, void* ctx) = 0;
};

// Below this many subscribers a mountpoint delivers on the publishing thread alone: the
// serial loop then takes well under a millisecond, and waking a worker would gain little.
constexpr std::size_t parallel_fanout_min = 64;

// Station frames older than this are not replayed to a new rover (a stale 1005 could
// describe a base that has since moved).
constexpr std::chrono::seconds station_frame_max_age{30};

class mountpoint
{
public:
    enum class feed
    {
        receiver,
        remote
    };

    mountpoint(std::string name, feed f, bool is_public)
        : name_(std::move(name)), feed_(f), public_(is_public)
    {
    }

    const std::string& name() const { return name_; }
    feed fed_by() const { return feed_; }
    bool is_public() const { return public_; }

    // Fans the frames (one input burst, in order) out to every subscriber, in
    // subscription order: one deliver() per subscriber for the whole burst. With a
    // message list, only the frames it keeps (at their intervals) go out and count.
    void publish(std::span<const frame_ptr> frames);
    // The mountpoint's RTKBase message list, applied once here for all its rovers.
    void set_filter(message_list list) { filter_.emplace(std::move(list)); }
    const std::optional<message_filter>& filter() const { return filter_; }
    void publish(const frame_ptr& f) { publish(std::span<const frame_ptr>(&f, 1)); }
    void join(subscriber* s) { subscribers_.push_back(s); }
    // Fan-out over several threads from parallel_fanout_min subscribers on; null: none.
    void set_runner(fanout_runner* r) { runner_ = r; }
    void leave(subscriber* s);

    // The latest 1005/1006/1033 frames received within station_frame_max_age of now.
    std::vector<frame_ptr> station_frames(steady_time now) const;
    // After the station's description changed (a reload): a new rover must not start with
    // a frame that describes the station as it was.
    void forget_station_frames() { station_.clear(); }

    // A remote source holds the mountpoint while it is connected.
    bool has_source() const { return source_ != nullptr; }
    bool claim_source(const void* owner);
    void release_source(const void* owner);

    std::size_t subscriber_count() const { return subscribers_.size(); }
    std::uint64_t frames() const { return frames_; }
    std::uint64_t bytes() const { return bytes_; }
    std::optional<steady_time> last_frame() const { return last_; }

private:
    std::string name_;
    feed feed_;
    bool public_;
    std::vector<subscriber*> subscribers_;
    fanout_runner* runner_ = nullptr;
    std::map<std::uint16_t, frame_ptr> station_; // by message number
    const void* source_ = nullptr;
    std::uint64_t frames_ = 0;
    std::uint64_t bytes_ = 0;
    std::optional<steady_time> last_;
    std::optional<message_filter> filter_;
    std::vector<frame_ptr> kept_; // scratch for a filtered burst (no allocation per burst)
};

class hub
{
public:
    mountpoint& add(std::string name, mountpoint::feed f, bool is_public);
    // For every mountpoint, present and future (it must outlive the hub's use of it).
    void set_runner(fanout_runner* r);
    mountpoint* find(const std::string& name);
    const std::map<std::string, std::unique_ptr<mountpoint>>& all() const { return mounts_; }

private:
    std::map<std::string, std::unique_ptr<mountpoint>> mounts_;
    fanout_runner* runner_ = nullptr;
};

} // namespace ntrip
