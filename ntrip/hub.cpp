// SPDX-License-Identifier: GPL-3.0-or-later
// Mountpoints, subscribers and station frames.
#include "ntrip/hub.hpp"

#include "gnss/rtcm3.hpp"

#include <algorithm>

namespace ntrip {
namespace {

bool is_station_type(std::uint16_t t)
{
    return t == 1005 || t == 1006 || t == 1033;
}

} // namespace

frame_ptr make_frame(gnss::byte_view bytes, steady_time now)
{
    auto f = std::make_shared<frame_buffer>();
    f->data.assign(bytes.begin(), bytes.end());
    f->type = gnss::rtcm3::message_type(bytes).value_or(0);
    f->received = now;
    return f;
}

void mountpoint::publish(std::span<const frame_ptr> frames)
{
    if (filter_) {
        kept_.clear();
        for (const auto& f : frames)
            if (filter_->keep(f->data, f->received))
                kept_.push_back(f);
        frames = kept_;
    }
    if (frames.empty())
        return;
    for (const auto& f : frames) {
        ++frames_;
        bytes_ += f->data.size();
        last_ = f->received;
        if (is_station_type(f->type))
            station_[f->type] = f;
    }
    // A subscriber may close itself (and leave) from deliver() via a post, never
    // synchronously; the vector does not change during the fan-out.
    struct job
    {
        subscriber* const* subs;
        std::span<const frame_ptr> frames;
    } j{subscribers_.data(), frames};
    const fanout_runner::each_fn each = [](void* ctx, std::size_t begin, std::size_t end) {
        const auto& jb = *static_cast<const job*>(ctx);
        for (std::size_t i = begin; i < end; ++i)
            jb.subs[i]->deliver(jb.frames);
    };
    if (runner_ && subscribers_.size() >= parallel_fanout_min)
        runner_->run(subscribers_.size(), each, &j);
    else
        each(&j, 0, subscribers_.size());
}

void mountpoint::leave(subscriber* s)
{
    auto it = std::find(subscribers_.begin(), subscribers_.end(), s);
    if (it != subscribers_.end())
        subscribers_.erase(it);
}

std::vector<frame_ptr> mountpoint::station_frames(steady_time now) const
{
    std::vector<frame_ptr> out;
    for (const auto& [type, f] : station_) {
        if (now - f->received <= station_frame_max_age)
            out.push_back(f);
    }
    return out;
}

bool mountpoint::claim_source(const void* owner)
{
    if (feed_ != feed::remote || source_ != nullptr)
        return false;
    source_ = owner;
    return true;
}

void mountpoint::release_source(const void* owner)
{
    if (source_ == owner)
        source_ = nullptr;
}

mountpoint& hub::add(std::string name, mountpoint::feed f, bool is_public)
{
    auto key = name;
    auto& slot = mounts_[key];
    slot = std::make_unique<mountpoint>(std::move(name), f, is_public);
    slot->set_runner(runner_);
    return *slot;
}

void hub::set_runner(fanout_runner* r)
{
    runner_ = r;
    for (auto& [name, m] : mounts_)
        m->set_runner(r);
}

mountpoint* hub::find(const std::string& name)
{
    auto it = mounts_.find(name);
    return it == mounts_.end() ? nullptr : it->second.get();
}

} // namespace ntrip
