// SPDX-License-Identifier: GPL-3.0-or-later
// libFuzzer target: the config's position and antenna parsers on arbitrary text.
// Whatever parses must be in range and survive the round trip through the other
// coordinate form (gnss::geodesy) to 0.1 mm; accepted antenna text must fit RTCM's strings.
#include "config/position.hpp"
#include "gnss/geodesy.hpp"
#include "gnss/station_stream.hpp"

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace {

void check(bool ok)
{
    if (!ok)
        __builtin_trap();
}

double distance(const gnss::ecef& a, const gnss::ecef& b)
{
    return std::sqrt((a.x - b.x) * (a.x - b.x) + (a.y - b.y) * (a.y - b.y) +
                     (a.z - b.z) * (a.z - b.z));
}

bool printable(std::string_view s)
{
    for (char c : s)
        if (c < 0x20 || c > 0x7e)
            return false;
    return true;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const std::string_view text(reinterpret_cast<const char*>(data), size);

    if (auto q = config::parse_llh_text(text)) {
        check(text.size() <= config::max_position_chars);
        const gnss::llh p0{q->a, q->b, q->c};
        const auto* p = &p0;
        check(p->lat_deg >= -90 && p->lat_deg <= 90);
        check(p->lon_deg >= -180 && p->lon_deg <= 180);
        check(p->height_m >= config::min_height_m && p->height_m <= config::max_height_m);
        check(config::parse_llh_text(config::to_text(*q)).value() == *q);
        const gnss::ecef e = gnss::to_ecef(*p);
        const gnss::llh back = gnss::to_llh(e);
        check(distance(gnss::to_ecef(back), e) < 1e-4);
        check(std::fabs(back.height_m - p->height_m) < 1e-4);
    } else {
        check(!q.error().empty() && q.error().find('\n') == std::string::npos);
    }

    if (auto q = config::parse_ecef_text(text)) {
        check(text.size() <= config::max_position_chars);
        const gnss::ecef e{q->a, q->b, q->c};
        const gnss::llh p = gnss::to_llh(e);
        check(std::isfinite(p.lat_deg) && std::isfinite(p.lon_deg));
        check(distance(gnss::to_ecef(p), e) < 1e-4);
    } else {
        check(!q.error().empty() && q.error().find('\n') == std::string::npos);
    }

    if (auto a = config::parse_antenna_text(text)) {
        check(!a->descriptor.empty() && a->descriptor.size() <= 31 && a->serial.size() <= 31);
        check(printable(a->descriptor) && printable(a->serial));
        check(a->descriptor.find(',') == std::string::npos);
        gnss::station_config c;
        c.antenna = gnss::antenna_text{a->descriptor, a->serial, a->setup_id};
        check(gnss::station_stream::check(c).has_value());
        check(gnss::station_stream(c).frames().size() == 2);
    }
    return 0;
}
