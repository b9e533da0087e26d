// SPDX-License-Identifier: GPL-3.0-or-later
// Cairn's station messages (1005/1006, 1008, 1033), their schedule, and the filter that
// decides which of the receiver's own station messages go on.
#include "gnss/station_stream.hpp"

#include "config/quote.hpp"
#include "gnss/rtcm3.hpp"
#include "gnss/rtcm3_info.hpp"

#include <fmt/format.h>

#include <cmath>
#include <stdexcept>

namespace gnss {
namespace {

constexpr std::uint16_t type_1005 = 1005, type_1006 = 1006, type_1008 = 1008, type_1033 = 1033;

bool printable(std::string_view s)
{
    for (char c : s)
        if (c < 0x20 || c > 0x7e)
            return false;
    return true;
}

// A receiver-supplied string made fit for an RTCM descriptor.
std::string descriptor_from(std::string_view s)
{
    std::string out(s.substr(0, rtcm3::max_descriptor));
    for (char& c : out)
        if (c < 0x20 || c > 0x7e)
            c = '?';
    return out;
}

tl::expected<void, std::string> check_string(std::string_view what, const std::string& s)
{
    if (s.size() > rtcm3::max_descriptor)
        return tl::unexpected(fmt::format("{} is {} characters; RTCM allows {}", what, s.size(),
                                          rtcm3::max_descriptor));
    if (!printable(s))
        return tl::unexpected(
            fmt::format("{} {} has characters outside printable ASCII", what, config::quote(s)));
    return {};
}

bool valid_frame(byte_view frame)
{
    // payload() is empty both for a malformed frame and for a valid empty one.
    return !rtcm3::payload(frame).empty() ||
           rtcm3::make_frame({}) == bytes(frame.begin(), frame.end());
}

} // namespace

std::optional<bytes> rewrite_station_id(byte_view frame, std::uint16_t id)
{
    if (id > station_config::max_station_id || !valid_frame(frame))
        return std::nullopt;
    if (!rtcm3::station_id(frame))
        return bytes(frame.begin(), frame.end());
    const byte_view p = rtcm3::payload(frame);
    bytes payload(p.begin(), p.end());
    // DF003 is bits 12..23: the low nibble of byte 1 and all of byte 2.
    payload[1] = static_cast<std::uint8_t>((payload[1] & 0xF0) | (id >> 8));
    payload[2] = static_cast<std::uint8_t>(id & 0xFF);
    return rtcm3::make_frame(payload);
}

tl::expected<void, std::string> station_stream::check(const station_config& c)
{
    if (c.station_id > station_config::max_station_id)
        return tl::unexpected(fmt::format("station id {} is over {} (12 bits)", c.station_id,
                                          station_config::max_station_id));
    if (!(c.antenna_height_m >= 0 && c.antenna_height_m <= station_config::max_antenna_height_m))
        return tl::unexpected(fmt::format("antenna height {} m is outside 0..{} m (RTCM 1006)",
                                          c.antenna_height_m,
                                          station_config::max_antenna_height_m));
    if (c.interval < station_config::min_interval || c.interval > station_config::max_interval)
        return tl::unexpected(fmt::format("station message interval {} ms is outside {}..{} ms",
                                          c.interval.count(), station_config::min_interval.count(),
                                          station_config::max_interval.count()));
    if (c.policy == arp_policy::replace && !c.position)
        return tl::unexpected(std::string{
            "replacing the receiver's 1005 needs a station position (\"lat lon height\" or ECEF)"});
    if (c.position) {
        const auto& p = *c.position;
        if (!std::isfinite(p.x) || !std::isfinite(p.y) || !std::isfinite(p.z))
            return tl::unexpected(std::string{"station position is not a finite number"});
        const double h = to_llh(p).height_m;
        if (!(h >= min_height_m && h <= max_height_m))
            return tl::unexpected(fmt::format(
                "station position is {:.0f} m from the WGS84 ellipsoid (allowed {}..{} m)", h,
                min_height_m, max_height_m));
    }
    if (c.antenna) {
        if (c.antenna->descriptor.empty())
            return tl::unexpected(std::string{"antenna descriptor is empty"});
        if (auto r = check_string("antenna descriptor", c.antenna->descriptor); !r)
            return r;
        if (auto r = check_string("antenna serial", c.antenna->serial); !r)
            return r;
    }
    if (auto r = check_string("receiver type", c.receiver_type); !r)
        return r;
    if (auto r = check_string("receiver firmware", c.receiver_firmware); !r)
        return r;
    if (auto r = check_string("receiver serial", c.receiver_serial); !r)
        return r;
    return {};
}

tl::expected<station_stream, std::string> station_stream::make(station_config config)
{
    if (auto ok = check(config); !ok)
        return tl::unexpected(ok.error());
    return station_stream(std::move(config));
}

station_stream::station_stream(station_config config) : config_(std::move(config))
{
    if (auto ok = check(config_); !ok)
        throw std::invalid_argument(ok.error());
    build();
}

void station_stream::build()
{
    frames_.clear();
    const auto& c = config_;
    if (c.policy == arp_policy::replace && c.position) {
        rtcm3::station_arp arp;
        arp.type = c.antenna_height_m > 0 || c.force_1006 ? type_1006 : type_1005;
        arp.station_id = c.station_id;
        arp.x = c.position->x;
        arp.y = c.position->y;
        arp.z = c.position->z;
        arp.antenna_height = c.antenna_height_m;
        frames_.push_back(rtcm3::encode_station_arp(arp)); // check() kept it in range
    }
    rtcm3::antenna_info info;
    info.station_id = c.station_id;
    if (c.antenna) {
        info.descriptor = c.antenna->descriptor;
        info.serial = c.antenna->serial;
        info.setup_id = c.antenna->setup_id;
    }
    info.receiver_type = c.receiver_type.empty() ? learned_type_ : c.receiver_type;
    info.firmware = c.receiver_firmware.empty() ? learned_firmware_ : c.receiver_firmware;
    info.receiver_serial = c.receiver_serial;
    own_1008_ = c.antenna.has_value();
    own_1033_ = own_1008_ || !info.receiver_type.empty() || !info.firmware.empty() ||
                !info.receiver_serial.empty();
    if (own_1008_) {
        info.type = type_1008;
        frames_.push_back(*rtcm3::encode_antenna_info(info));
    }
    if (own_1033_) {
        info.type = type_1033;
        frames_.push_back(*rtcm3::encode_antenna_info(info));
    }
}

bool station_stream::pass(byte_view frame) const
{
    const auto type = rtcm3::message_type(frame);
    if (!type)
        return true; // not ours to judge; the framer only hands over verified frames
    if (*type == type_1005 || *type == type_1006)
        return config_.policy == arp_policy::pass;
    if (*type == type_1008)
        return !own_1008_;
    if (*type == type_1033)
        return !own_1033_;
    return true;
}

std::optional<bytes> station_stream::forward(byte_view frame) const
{
    if (!pass(frame))
        return std::nullopt;
    const auto id = rtcm3::station_id(frame);
    if (id && *id != config_.station_id)
        return rewrite_station_id(frame, config_.station_id);
    return bytes(frame.begin(), frame.end());
}

std::vector<bytes> station_stream::due(time_point now)
{
    if (next_ && now < *next_)
        return {};
    next_ = (next_ ? *next_ : now) + config_.interval;
    if (*next_ <= now) // a long gap: restart the phase instead of sending a burst
        next_ = now + config_.interval;
    return frames_;
}

void station_stream::set_receiver_identity(std::string_view type, std::string_view firmware)
{
    learned_type_ = descriptor_from(type);
    learned_firmware_ = descriptor_from(firmware);
    build();
}

} // namespace gnss
