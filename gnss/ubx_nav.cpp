// SPDX-License-Identifier: GPL-3.0-or-later
// UBX NAV-PVT, NAV-SAT, NAV-SIG and NAV-SVIN codecs. Offsets follow the F9 HPG interface
// description, cross-checked with pyubx2 (ubxtypes_get.py) and gpsd (driver_ubx.c).
#include "gnss/ubx_nav.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace gnss::ubx {
namespace {

constexpr std::size_t nav_sat_header_size = 8;
constexpr std::size_t nav_sat_sv_size = 12;
constexpr std::uint8_t nav_sat_version = 1;
constexpr std::size_t nav_sig_header_size = 8;
constexpr std::size_t nav_sig_signal_size = 16;
constexpr std::uint8_t nav_sig_version = 0;
constexpr std::uint8_t nav_svin_version = 0;

// Wire scales: the wire integer is value * scale.
constexpr double deg_1e7 = 1e7;
constexpr double mm_per_m = 1e3;
constexpr double pdop_scale = 1e2;
constexpr double tenth_mm_per_m = 1e4;
constexpr std::int64_t tenth_mm_per_cm = 100;

bool is(const view& msg, std::uint8_t msg_id)
{
    return msg.msg_class == cls::nav && msg.msg_id == msg_id;
}

std::int8_t le_i8(const std::uint8_t* p)
{
    return static_cast<std::int8_t>(*p);
}

// value * scale rounded to the nearest wire integer, saturating (NaN gives 0) so that
// no input makes the conversion undefined.
template <typename Int> Int to_wire(double value, double scale = 1.0)
{
    const double v = value * scale;
    constexpr auto lo = std::numeric_limits<Int>::min();
    constexpr auto hi = std::numeric_limits<Int>::max();
    if (std::isnan(v))
        return 0;
    if (v <= static_cast<double>(lo))
        return lo;
    if (v >= static_cast<double>(hi))
        return hi;
    return static_cast<Int>(std::llround(v));
}

void put_u8(bytes& out, std::uint8_t v)
{
    out.push_back(v);
}
void put_i8(bytes& out, std::int8_t v)
{
    out.push_back(static_cast<std::uint8_t>(v));
}
void put_i16(bytes& out, std::int16_t v)
{
    put_le_u16(out, static_cast<std::uint16_t>(v));
}
void put_i32(bytes& out, std::int32_t v)
{
    put_le_u32(out, static_cast<std::uint32_t>(v));
}
void put_zeros(bytes& out, std::size_t n)
{
    out.insert(out.end(), n, 0);
}

// NAV-SVIN sends each mean as cm (I4) plus 0.1 mm (I1). The F9P picks the cm value
// nearest the mean, so the 0.1 mm part lies in -50..50 (e.g. Z = 336665826 cm - 4.0 mm);
// only at the ends of the I4 range does the 0.1 mm part go up to +-99.
struct cm_hp
{
    std::int32_t cm;
    std::int8_t hp;
};

cm_hp split_cm_hp(double metres)
{
    constexpr std::int32_t cm_min = std::numeric_limits<std::int32_t>::min();
    constexpr std::int32_t cm_max = std::numeric_limits<std::int32_t>::max();
    constexpr std::int64_t lo = std::int64_t{cm_min} * tenth_mm_per_cm - 99;
    constexpr std::int64_t hi = std::int64_t{cm_max} * tenth_mm_per_cm + 99;
    const std::int64_t total = std::clamp(to_wire<std::int64_t>(metres, tenth_mm_per_m), lo, hi);
    std::int64_t cm = total / tenth_mm_per_cm; // truncates: |hp| <= 99 and cm fits I4
    std::int64_t hp = total % tenth_mm_per_cm;
    if (hp > 50 && cm < cm_max) {
        ++cm;
        hp -= tenth_mm_per_cm;
    } else if (hp < -50 && cm > cm_min) {
        --cm;
        hp += tenth_mm_per_cm;
    }
    return {static_cast<std::int32_t>(cm), static_cast<std::int8_t>(hp)};
}

double join_cm_hp(std::int32_t cm, std::int8_t hp)
{
    return static_cast<double>(std::int64_t{cm} * tenth_mm_per_cm + hp) / tenth_mm_per_m;
}

} // namespace

std::optional<nav_pvt> decode_nav_pvt(const view& msg)
{
    if (!is(msg, id::nav_pvt) || msg.payload.size() != nav_pvt_size)
        return std::nullopt;
    const std::uint8_t* b = msg.payload.data();
    nav_pvt p;
    p.itow_ms = le_u32(b + 0);
    p.year = le_u16(b + 4);
    p.month = b[6];
    p.day = b[7];
    p.hour = b[8];
    p.minute = b[9];
    p.second = b[10];
    p.valid = b[11];
    p.time_accuracy_ns = le_u32(b + 12);
    p.nano = le_i32(b + 16);
    p.fix_type = b[20];
    p.flags = b[21];
    p.flags2 = b[22];
    p.satellites_used = b[23];
    p.lon_deg = le_i32(b + 24) / deg_1e7;
    p.lat_deg = le_i32(b + 28) / deg_1e7;
    p.height_m = le_i32(b + 32) / mm_per_m;
    p.height_msl_m = le_i32(b + 36) / mm_per_m;
    p.h_accuracy_m = le_u32(b + 40) / mm_per_m;
    p.v_accuracy_m = le_u32(b + 44) / mm_per_m;
    p.vel_n_mm_s = le_i32(b + 48);
    p.vel_e_mm_s = le_i32(b + 52);
    p.vel_d_mm_s = le_i32(b + 56);
    p.ground_speed_mm_s = le_i32(b + 60);
    p.heading_motion = le_i32(b + 64);
    p.speed_accuracy = le_u32(b + 68);
    p.heading_accuracy = le_u32(b + 72);
    p.pdop = le_u16(b + 76) / pdop_scale;
    p.flags3 = le_u16(b + 78);
    // 80..83 reserved
    p.heading_vehicle = le_i32(b + 84);
    p.mag_declination = le_i16(b + 88);
    p.mag_accuracy = le_u16(b + 90);
    return p;
}

bytes encode_nav_pvt(const nav_pvt& p)
{
    bytes b;
    b.reserve(nav_pvt_size);
    put_le_u32(b, p.itow_ms);
    put_le_u16(b, p.year);
    for (std::uint8_t v : {p.month, p.day, p.hour, p.minute, p.second, p.valid})
        put_u8(b, v);
    put_le_u32(b, p.time_accuracy_ns);
    put_i32(b, p.nano);
    for (std::uint8_t v : {p.fix_type, p.flags, p.flags2, p.satellites_used})
        put_u8(b, v);
    put_i32(b, to_wire<std::int32_t>(p.lon_deg, deg_1e7));
    put_i32(b, to_wire<std::int32_t>(p.lat_deg, deg_1e7));
    put_i32(b, to_wire<std::int32_t>(p.height_m, mm_per_m));
    put_i32(b, to_wire<std::int32_t>(p.height_msl_m, mm_per_m));
    put_le_u32(b, to_wire<std::uint32_t>(p.h_accuracy_m, mm_per_m));
    put_le_u32(b, to_wire<std::uint32_t>(p.v_accuracy_m, mm_per_m));
    for (std::int32_t v :
         {p.vel_n_mm_s, p.vel_e_mm_s, p.vel_d_mm_s, p.ground_speed_mm_s, p.heading_motion})
        put_i32(b, v);
    put_le_u32(b, p.speed_accuracy);
    put_le_u32(b, p.heading_accuracy);
    put_le_u16(b, to_wire<std::uint16_t>(p.pdop, pdop_scale));
    put_le_u16(b, p.flags3);
    put_zeros(b, 4);
    put_i32(b, p.heading_vehicle);
    put_i16(b, p.mag_declination);
    put_le_u16(b, p.mag_accuracy);
    return make_frame(cls::nav, id::nav_pvt, b);
}

std::optional<nav_sat> decode_nav_sat(const view& msg)
{
    const auto pl = msg.payload;
    if (!is(msg, id::nav_sat) || pl.size() < nav_sat_header_size || pl[4] != nav_sat_version)
        return std::nullopt;
    const std::size_t count = pl[5];
    if (count > max_nav_sat_svs || pl.size() != nav_sat_header_size + count * nav_sat_sv_size)
        return std::nullopt;
    nav_sat s;
    s.itow_ms = le_u32(pl.data());
    s.svs.reserve(count);
    for (std::size_t i = 0; i < count; ++i) {
        const std::uint8_t* b = pl.data() + nav_sat_header_size + i * nav_sat_sv_size;
        nav_sat_sv sv;
        sv.gnss_id = b[0];
        sv.sv_id = b[1];
        sv.cno_dbhz = b[2];
        sv.elevation_deg = le_i8(b + 3);
        sv.azimuth_deg = le_i16(b + 4);
        sv.pr_residual_dm = le_i16(b + 6);
        sv.flags = le_u32(b + 8);
        s.svs.push_back(sv);
    }
    return s;
}

bytes encode_nav_sat(const nav_sat& s)
{
    const std::size_t count = std::min(s.svs.size(), max_nav_sat_svs);
    bytes b;
    b.reserve(nav_sat_header_size + count * nav_sat_sv_size);
    put_le_u32(b, s.itow_ms);
    put_u8(b, nav_sat_version);
    put_u8(b, static_cast<std::uint8_t>(count));
    put_zeros(b, 2);
    for (std::size_t i = 0; i < count; ++i) {
        const auto& sv = s.svs[i];
        put_u8(b, sv.gnss_id);
        put_u8(b, sv.sv_id);
        put_u8(b, sv.cno_dbhz);
        put_i8(b, sv.elevation_deg);
        put_i16(b, sv.azimuth_deg);
        put_i16(b, sv.pr_residual_dm);
        put_le_u32(b, sv.flags);
    }
    return make_frame(cls::nav, id::nav_sat, b);
}

std::optional<nav_sig> decode_nav_sig(const view& msg)
{
    const auto pl = msg.payload;
    if (!is(msg, id::nav_sig) || pl.size() < nav_sig_header_size || pl[4] != nav_sig_version)
        return std::nullopt;
    const std::size_t count = pl[5];
    if (count > max_nav_sig_sigs || pl.size() != nav_sig_header_size + count * nav_sig_signal_size)
        return std::nullopt;
    nav_sig s;
    s.itow_ms = le_u32(pl.data());
    s.signals.reserve(count);
    for (std::size_t i = 0; i < count; ++i) {
        const std::uint8_t* b = pl.data() + nav_sig_header_size + i * nav_sig_signal_size;
        nav_sig_signal g;
        g.gnss_id = b[0];
        g.sv_id = b[1];
        g.sig_id = b[2];
        g.freq_id = b[3];
        g.pr_residual_dm = le_i16(b + 4);
        g.cno_dbhz = b[6];
        g.quality = b[7];
        g.corr_source = b[8];
        g.iono_model = b[9];
        g.flags = le_u16(b + 10);
        // 12..15 reserved
        s.signals.push_back(g);
    }
    return s;
}

bytes encode_nav_sig(const nav_sig& s)
{
    const std::size_t count = std::min(s.signals.size(), max_nav_sig_sigs);
    bytes b;
    b.reserve(nav_sig_header_size + count * nav_sig_signal_size);
    put_le_u32(b, s.itow_ms);
    put_u8(b, nav_sig_version);
    put_u8(b, static_cast<std::uint8_t>(count));
    put_zeros(b, 2);
    for (std::size_t i = 0; i < count; ++i) {
        const auto& g = s.signals[i];
        for (std::uint8_t v : {g.gnss_id, g.sv_id, g.sig_id, g.freq_id})
            put_u8(b, v);
        put_i16(b, g.pr_residual_dm);
        for (std::uint8_t v : {g.cno_dbhz, g.quality, g.corr_source, g.iono_model})
            put_u8(b, v);
        put_le_u16(b, g.flags);
        put_zeros(b, 4);
    }
    return make_frame(cls::nav, id::nav_sig, b);
}

std::optional<nav_svin> decode_nav_svin(const view& msg)
{
    const auto pl = msg.payload;
    if (!is(msg, id::nav_svin) || pl.size() != nav_svin_size || pl[0] != nav_svin_version)
        return std::nullopt;
    const std::uint8_t* b = pl.data();
    // The high-precision parts are -99..+99 (0.1 mm); anything else is not a mean.
    for (int i = 24; i <= 26; ++i) {
        if (le_i8(b + i) < -99 || le_i8(b + i) > 99)
            return std::nullopt;
    }
    nav_svin s;
    // 1..3 reserved
    s.itow_ms = le_u32(b + 4);
    s.duration_s = le_u32(b + 8);
    s.mean_x_m = join_cm_hp(le_i32(b + 12), le_i8(b + 24));
    s.mean_y_m = join_cm_hp(le_i32(b + 16), le_i8(b + 25));
    s.mean_z_m = join_cm_hp(le_i32(b + 20), le_i8(b + 26));
    // 27 reserved
    s.mean_accuracy_m = le_u32(b + 28) / tenth_mm_per_m;
    s.observations = le_u32(b + 32);
    s.valid = b[36] != 0;
    s.active = b[37] != 0;
    // 38..39 reserved
    return s;
}

bytes encode_nav_svin(const nav_svin& s)
{
    const auto x = split_cm_hp(s.mean_x_m);
    const auto y = split_cm_hp(s.mean_y_m);
    const auto z = split_cm_hp(s.mean_z_m);
    bytes b;
    b.reserve(nav_svin_size);
    put_u8(b, nav_svin_version);
    put_zeros(b, 3);
    put_le_u32(b, s.itow_ms);
    put_le_u32(b, s.duration_s);
    put_i32(b, x.cm);
    put_i32(b, y.cm);
    put_i32(b, z.cm);
    put_i8(b, x.hp);
    put_i8(b, y.hp);
    put_i8(b, z.hp);
    put_zeros(b, 1);
    put_le_u32(b, to_wire<std::uint32_t>(s.mean_accuracy_m, tenth_mm_per_m));
    put_le_u32(b, s.observations);
    put_u8(b, s.valid ? 1 : 0);
    put_u8(b, s.active ? 1 : 0);
    put_zeros(b, 2);
    return make_frame(cls::nav, id::nav_svin, b);
}

} // namespace gnss::ubx
