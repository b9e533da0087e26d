// SPDX-License-Identifier: GPL-3.0-or-later
// RTCM3 multiple-signal messages: MSM1-7 header decoding, MSM4 and MSM7 encoding and cells.
#include "gnss/rtcm3_msm.hpp"

#include "gnss/rtcm3.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <limits>
#include <utility>

namespace gnss::rtcm3 {
namespace {

constexpr std::uint16_t msm_first_type = 1071; // GPS MSM1
constexpr std::uint16_t msm_last_type = 1137;  // NavIC MSM7
constexpr int msm_types_per_system = 10;       // 1071-1080 GPS, 1081-1090 GLONASS, ...
constexpr int msm_max_number = 7;
constexpr std::uint16_t max_station_id = 4095;
constexpr std::uint32_t max_epoch = (std::uint32_t{1} << 30) - 1;
constexpr int max_satellite_id = 64;
constexpr int max_signal_id = 32;

// DF002 through DF395: type 12, station 12, epoch 30, multiple 1, IODS 3, reserved 7,
// clock steering 2, external clock 2, smoothing 1, interval 3, masks 64 + 32.
constexpr std::size_t header_bits = 169;

// Bits per satellite and per cell of the body of MSM1..MSM7 (RTCM 10403.3 3.5.16).
struct body_layout
{
    unsigned satellite_bits;
    unsigned cell_bits;
};
constexpr std::array<body_layout, msm_max_number + 1> layouts = {{
    {0, 0},   // unused
    {10, 15}, // MSM1: rough range mod 1 ms | fine pseudorange
    {10, 27}, // MSM2: | fine phase, lock, half-cycle
    {10, 42}, // MSM3: | pseudorange, phase, lock, half-cycle
    {18, 48}, // MSM4: range ms, mod 1 ms | pseudorange, phase, lock, half, CNR
    {36, 63}, // MSM5: + extended info, rough rate | + fine rate
    {18, 65}, // MSM6: as MSM4 with extended resolution fields
    {36, 80}, // MSM7: as MSM5 with extended resolution fields
}};

// MSM7 field widths and resolutions (DF397-DF399, DF405-DF408, DF420, DF404, DF419).
constexpr double range_ms_metres = 299792.458;    // light travels this far in 1 ms
constexpr double rough_mod_units = 1024.0;        // DF398: 2^-10 ms
constexpr double fine_range_units = 536870912.0;  // DF405: 2^-29 ms
constexpr double fine_phase_units = 2147483648.0; // DF406: 2^-31 ms
constexpr double cnr_units = 16.0;                // DF408: 0.0625 dB-Hz
constexpr double fine_rate_resolution = 0.0001;   // DF404: m/s
constexpr int rough_ms_invalid = 255;
constexpr std::int64_t fine_range_invalid = -(std::int64_t{1} << 19);
constexpr std::int64_t fine_phase_invalid = -(std::int64_t{1} << 23);
constexpr std::int64_t rough_rate_invalid = -(std::int64_t{1} << 13);
constexpr std::int64_t fine_rate_invalid = -(std::int64_t{1} << 14);
constexpr std::uint32_t max_cnr_units = 1023;
// MSM4 (DF400-DF403): coarser fine fields, a 4-bit lock time, whole dB-Hz.
constexpr double msm4_fine_range_units = 16777216.0;  // DF400: 2^-24 ms
constexpr double msm4_fine_phase_units = 536870912.0; // DF401: 2^-29 ms
constexpr std::int64_t msm4_fine_range_invalid = -(std::int64_t{1} << 14);
constexpr std::int64_t msm4_fine_phase_invalid = -(std::int64_t{1} << 21);
constexpr long msm4_max_cnr = 63; // DF403, 6 bits

// Plausible values for the fields msm_satellite does not carry.
constexpr std::uint16_t lock_time_indicator = 704;    // DF407: locked for minutes
constexpr std::uint8_t msm4_lock_time_indicator = 13; // DF402: locked >= 2^17 ms (minutes)
constexpr double signal_code_bias_m = 0.35;           // pseudorange step between signals
constexpr int glonass_fcn_unknown = 15;               // DF419 values 14-15: no FCN

// The per-cell fields MSM4 and MSM7 share (fine pseudorange, fine phase range, lock
// time, half-cycle), which differ only in width and resolution.
struct fine_fields
{
    double range_units; // DF400 / DF405 steps per ms
    unsigned range_bits;
    std::int64_t range_invalid;
    double phase_units; // DF401 / DF406 steps per ms
    unsigned phase_bits;
    std::int64_t phase_invalid;
    std::uint16_t lock_time; // DF402 / DF407 the encoders send for every cell
    unsigned lock_bits;
};
constexpr fine_fields msm4_fine = {msm4_fine_range_units,    15, msm4_fine_range_invalid,
                                   msm4_fine_phase_units,    22, msm4_fine_phase_invalid,
                                   msm4_lock_time_indicator, 4};
constexpr fine_fields msm7_fine = {fine_range_units,    20, fine_range_invalid,
                                   fine_phase_units,    24, fine_phase_invalid,
                                   lock_time_indicator, 10};

// GLONASS frequency channel per orbital slot 1-24 (antipodal slots share a channel).
constexpr std::array<int, 24> glonass_fcn = {1,  -4, 5, 6,  1, -4, 5, 6, -2, -7, 0, -1,
                                             -2, -7, 0, -1, 4, -3, 3, 2, 4,  -3, 3, 2};

int system_index(constellation c)
{
    return static_cast<int>(c);
}

std::uint8_t extended_info(constellation system, int id)
{
    if (system != constellation::glonass)
        return 0; // reserved outside GLONASS
    if (id < 1 || id > static_cast<int>(glonass_fcn.size()))
        return glonass_fcn_unknown;
    return static_cast<std::uint8_t>(glonass_fcn[static_cast<std::size_t>(id - 1)] + 7);
}

// Ids (1-based) of the set bits of a mask of `width` bits, most significant first.
std::vector<int> mask_ids(std::uint64_t mask, int width)
{
    std::vector<int> ids;
    for (int i = 0; i < width; ++i)
        if ((mask >> (width - 1 - i)) & 1u)
            ids.push_back(i + 1);
    return ids;
}

struct header_read
{
    msm_header header;
    bit_reader body;
};

std::optional<header_read> read_header(byte_view frame)
{
    byte_view p = payload(frame);
    if (p.size() < 2)
        return std::nullopt;
    bit_reader r(p);
    msm_header h;
    h.type = static_cast<std::uint16_t>(r.u(12));
    auto kind = msm_type(h.type);
    if (!kind || p.size() * 8 < header_bits)
        return std::nullopt;
    h.system = kind->system;
    h.msm = kind->msm;
    h.station_id = static_cast<std::uint16_t>(r.u(12));
    h.epoch = static_cast<std::uint32_t>(r.u(30));
    h.multiple_message = r.u(1) != 0;
    h.iods = static_cast<std::uint8_t>(r.u(3));
    r.skip(7); // DF001 reserved
    h.clock_steering = static_cast<std::uint8_t>(r.u(2));
    h.external_clock = static_cast<std::uint8_t>(r.u(2));
    h.divergence_free_smoothing = r.u(1) != 0;
    h.smoothing_interval = static_cast<std::uint8_t>(r.u(3));
    h.satellite_mask = r.u(64);
    h.signal_mask = static_cast<std::uint32_t>(r.u(32));
    h.satellites = std::popcount(h.satellite_mask);
    h.signals = std::popcount(h.signal_mask);
    auto cells = static_cast<std::size_t>(h.satellites) * static_cast<std::size_t>(h.signals);
    if (cells > msm_max_cells)
        return std::nullopt;
    h.cell_mask = r.u(static_cast<unsigned>(cells));
    h.cells = std::popcount(h.cell_mask);
    const body_layout& l = layouts[static_cast<std::size_t>(h.msm)];
    std::size_t body = static_cast<std::size_t>(h.satellites) * l.satellite_bits +
                       static_cast<std::size_t>(h.cells) * l.cell_bits;
    if (r.overrun() || r.remaining() < body)
        return std::nullopt;
    return header_read{h, r};
}

} // namespace

const char* to_string(constellation c)
{
    switch (c) {
    case constellation::gps:
        return "GPS";
    case constellation::glonass:
        return "GLONASS";
    case constellation::galileo:
        return "Galileo";
    case constellation::sbas:
        return "SBAS";
    case constellation::qzss:
        return "QZSS";
    case constellation::beidou:
        return "BeiDou";
    case constellation::navic:
        return "NavIC";
    }
    return "?";
}

std::optional<msm_kind> msm_type(std::uint16_t message_type)
{
    if (message_type < msm_first_type || message_type > msm_last_type)
        return std::nullopt;
    int offset = message_type - msm_first_type;
    int msm = offset % msm_types_per_system + 1;
    if (msm > msm_max_number)
        return std::nullopt;
    return msm_kind{static_cast<constellation>(offset / msm_types_per_system), msm};
}

std::optional<int> glonass_frequency_channel(int slot)
{
    if (slot < 1 || slot > static_cast<int>(glonass_fcn.size()))
        return std::nullopt;
    return glonass_fcn[static_cast<std::size_t>(slot - 1)];
}

std::optional<msm_header> decode_msm_header(byte_view frame)
{
    auto read = read_header(frame);
    if (!read)
        return std::nullopt;
    return read->header;
}

namespace {

// What both encoders need: satellites sorted by id, the masks, the cells in message
// order (satellite-major) and the rough range in 2^-10 ms per satellite.
struct msm_plan
{
    std::vector<const msm_satellite*> sats;
    std::vector<int> sigs; // signal ids in mask order
    std::uint64_t sat_mask = 0;
    std::uint32_t sig_mask = 0;
    struct cell
    {
        std::size_t sat;
        std::size_t sig; // index into sigs
    };
    std::vector<cell> cells;
    std::vector<std::int64_t> rough;
};

// Checks the input (see encode_msm7 in the header) and lays out the cells; nullopt when
// anything is out of range.
std::optional<msm_plan> plan_msm(constellation system, std::uint16_t station_id,
                                 std::uint32_t epoch, const std::vector<msm_satellite>& satellites)
{
    if (station_id > max_station_id || epoch > max_epoch || system_index(system) < 0 ||
        system_index(system) > system_index(constellation::navic))
        return std::nullopt;
    msm_plan p;
    for (const msm_satellite& s : satellites) {
        if (s.id < 1 || s.id > max_satellite_id || s.signals.empty())
            return std::nullopt;
        std::uint64_t sat_bit = std::uint64_t{1} << (max_satellite_id - s.id);
        if (p.sat_mask & sat_bit)
            return std::nullopt; // the same satellite twice
        p.sat_mask |= sat_bit;
        std::uint32_t own = 0;
        for (int sig : s.signals) {
            if (sig < 1 || sig > max_signal_id)
                return std::nullopt;
            std::uint32_t sig_bit = std::uint32_t{1} << (max_signal_id - sig);
            if (own & sig_bit)
                return std::nullopt; // the same signal twice
            own |= sig_bit;
        }
        p.sig_mask |= own;
        p.sats.push_back(&s);
    }
    std::sort(p.sats.begin(), p.sats.end(), [](auto* a, auto* b) { return a->id < b->id; });
    p.sigs = mask_ids(p.sig_mask, max_signal_id);
    if (p.sats.size() * p.sigs.size() > msm_max_cells)
        return std::nullopt;
    // Rough range in 2^-10 ms; the CNR check is the MSM7 range, which MSM4 clamps into.
    p.rough.resize(p.sats.size());
    for (std::size_t i = 0; i < p.sats.size(); ++i) {
        double r = p.sats[i]->range_ms * rough_mod_units;
        double c = p.sats[i]->cnr_dbhz * cnr_units;
        // Bounds before rounding, so that 254.9999 ms cannot round up to 255 (invalid).
        if (!std::isfinite(r) || r < 0 || r >= rough_ms_invalid * rough_mod_units - 0.5 ||
            !std::isfinite(c) || c < 0 || c >= max_cnr_units + 0.5)
            return std::nullopt;
        p.rough[i] = std::llround(r);
    }
    for (std::size_t i = 0; i < p.sats.size(); ++i) {
        const auto& own = p.sats[i]->signals;
        for (std::size_t k = 0; k < p.sigs.size(); ++k)
            if (std::find(own.begin(), own.end(), p.sigs[k]) != own.end())
                p.cells.push_back({i, k});
    }
    return p;
}

// DF002-DF395 and the cell mask; `msm` picks the message number within the system.
void write_header(bit_writer& w, const msm_plan& p, constellation system, int msm,
                  std::uint16_t station_id, std::uint32_t epoch, bool multiple_message)
{
    w.u(msm_first_type + (msm - 1) + msm_types_per_system * system_index(system), 12);
    w.u(station_id, 12);
    w.u(epoch, 30);
    w.u(multiple_message, 1);
    w.u(0, 3); // IODS
    w.u(0, 7); // reserved
    w.u(0, 2); // clock steering: unknown
    w.u(0, 2); // external clock: internal
    w.u(0, 1); // no divergence-free smoothing
    w.u(0, 3); // smoothing interval: none
    w.u(p.sat_mask, 64);
    w.u(p.sig_mask, 32);
    std::size_t next = 0;
    for (std::size_t i = 0; i < p.sats.size(); ++i) {
        for (std::size_t k = 0; k < p.sigs.size(); ++k) {
            bool has = next < p.cells.size() && p.cells[next].sat == i && p.cells[next].sig == k;
            w.u(has, 1);
            next += has;
        }
    }
}

// Per cell, in milliseconds: what the rough range's 2^-10 ms step rounded away, plus a
// small per-signal bias, so pseudorange = range_ms (+ bias).
std::vector<double> fine_ranges_ms(const msm_plan& p)
{
    std::vector<double> fine(p.cells.size());
    for (std::size_t j = 0; j < p.cells.size(); ++j) {
        const auto& c = p.cells[j];
        double rest =
            p.sats[c.sat]->range_ms - static_cast<double>(p.rough[c.sat]) / rough_mod_units;
        fine[j] = rest + static_cast<double>(c.sig) * signal_code_bias_m / range_ms_metres;
    }
    return fine;
}

// Phase range differs from the code by a few metres (ambiguity start, multipath).
double phase_offset_ms(const msm_plan& p, std::size_t j)
{
    int id = p.sats[p.cells[j].sat]->id;
    return static_cast<double>((id * 37 + p.sigs[p.cells[j].sig] * 11) % 21 - 10) / range_ms_metres;
}

// DF397: whole milliseconds of each satellite's rough range.
void write_rough_ms(bit_writer& w, const msm_plan& p)
{
    for (std::int64_t r : p.rough)
        w.u(static_cast<std::uint64_t>(r >> 10), 8);
}

// DF398: each satellite's rough range modulo 1 ms, in 2^-10 ms.
void write_rough_mod(bit_writer& w, const msm_plan& p)
{
    for (std::int64_t r : p.rough)
        w.u(static_cast<std::uint64_t>(r & 1023), 10);
}

// Fine pseudorange, fine phase range, lock time and half-cycle of every cell.
void write_fine_cells(bit_writer& w, const msm_plan& p, const fine_fields& f)
{
    const std::vector<double> fine_ms = fine_ranges_ms(p);
    for (double v : fine_ms)
        w.s(std::llround(v * f.range_units), f.range_bits);
    for (std::size_t j = 0; j < p.cells.size(); ++j)
        w.s(std::llround((fine_ms[j] + phase_offset_ms(p, j)) * f.phase_units), f.phase_bits);
    for (std::size_t j = 0; j < p.cells.size(); ++j)
        w.u(f.lock_time, f.lock_bits);
    for (std::size_t j = 0; j < p.cells.size(); ++j)
        w.u(0, 1); // no half-cycle ambiguity
}

// MSM7 satellite and signal data, field by field (all DF397, then all DF419, ...).
void write_msm7_body(bit_writer& w, const msm_plan& p, constellation system)
{
    write_rough_ms(w, p);
    for (const auto* s : p.sats)
        w.u(extended_info(system, s->id), 4);
    write_rough_mod(w, p);
    for (const auto* s : p.sats)
        w.s((s->id * 211) % 1601 - 800, 14); // rough range rate, m/s, within +-800
    // DF405 fine pseudorange, DF406 fine phase range, DF407 lock time, DF420 half-cycle,
    // then DF408 CNR and DF404 fine range rate.
    write_fine_cells(w, p, msm7_fine);
    for (const auto& c : p.cells)
        w.u(static_cast<std::uint64_t>(std::lround(p.sats[c.sat]->cnr_dbhz * cnr_units)), 10);
    for (const auto& c : p.cells)
        w.s((p.sigs[c.sig] * 13) % 41 - 20, 15); // fine range rate, +-2 mm/s
}

// MSM4 satellite data (DF397 rough range in whole ms, DF398 modulo 1 ms), then signal
// data: DF400 fine pseudorange, DF401 fine phase range, DF402 lock time, DF420
// half-cycle, DF403 CNR (whole dB-Hz).
void write_msm4_body(bit_writer& w, const msm_plan& p)
{
    write_rough_ms(w, p);
    write_rough_mod(w, p);
    write_fine_cells(w, p, msm4_fine);
    for (const auto& c : p.cells)
        w.u(static_cast<std::uint64_t>(
                std::min<long>(std::lround(p.sats[c.sat]->cnr_dbhz), msm4_max_cnr)),
            6);
}

// What encode_msm4 and encode_msm7 share: the checks, the header, the payload limit.
std::optional<bytes> encode_msm(constellation system, int msm, std::uint16_t station_id,
                                std::uint32_t epoch, bool multiple_message,
                                const std::vector<msm_satellite>& satellites)
{
    auto plan = plan_msm(system, station_id, epoch, satellites);
    if (!plan)
        return std::nullopt;
    bit_writer w;
    write_header(w, *plan, system, msm, station_id, epoch, multiple_message);
    if (msm == 7)
        write_msm7_body(w, *plan, system);
    else
        write_msm4_body(w, *plan);
    if (w.data().size() > max_payload)
        return std::nullopt;
    return make_frame(w.data());
}

} // namespace

std::optional<bytes> encode_msm7(constellation system, std::uint16_t station_id,
                                 std::uint32_t epoch, bool multiple_message,
                                 const std::vector<msm_satellite>& satellites)
{
    return encode_msm(system, 7, station_id, epoch, multiple_message, satellites);
}

std::optional<bytes> encode_msm4(constellation system, std::uint16_t station_id,
                                 std::uint32_t epoch, bool multiple_message,
                                 const std::vector<msm_satellite>& satellites)
{
    return encode_msm(system, 4, station_id, epoch, multiple_message, satellites);
}

namespace {

// The satellite data of an MSM4 or MSM7 body; ext and rate stay 0 for MSM4.
struct satellite_fields
{
    std::vector<std::uint64_t> ms, ext, mod; // DF397, DF419, DF398
    std::vector<std::int64_t> rate;          // DF399
};

satellite_fields read_satellite_fields(bit_reader& r, const msm_header& h)
{
    const auto nsat = static_cast<std::size_t>(h.satellites);
    satellite_fields s{std::vector<std::uint64_t>(nsat), std::vector<std::uint64_t>(nsat),
                       std::vector<std::uint64_t>(nsat), std::vector<std::int64_t>(nsat)};
    for (auto& v : s.ms)
        v = r.u(8);
    if (h.msm == 7)
        for (auto& v : s.ext)
            v = r.u(4);
    for (auto& v : s.mod)
        v = r.u(10);
    if (h.msm == 7)
        for (auto& v : s.rate)
            v = r.s(14);
    return s;
}

// The cells of an MSM body in message order (satellite-major), with the satellite index
// of each and every satellite's rough range, which the fine fields are relative to.
struct cell_layout
{
    std::vector<msm7_cell> cells;
    std::vector<std::size_t> sat;
    std::vector<double> rough_ms; // NaN where DF397 says invalid
};

cell_layout lay_out_cells(const msm_header& h, const satellite_fields& s)
{
    const auto nsat = static_cast<std::size_t>(h.satellites);
    const auto ncell = static_cast<std::size_t>(h.cells);
    const std::vector<int> sat_ids = mask_ids(h.satellite_mask, max_satellite_id);
    const std::vector<int> sig_ids = mask_ids(h.signal_mask, max_signal_id);
    cell_layout c{std::vector<msm7_cell>(ncell), std::vector<std::size_t>(ncell),
                  std::vector<double>(nsat)};
    std::size_t j = 0;
    auto width = static_cast<int>(nsat * sig_ids.size());
    for (std::size_t i = 0; i < nsat; ++i) {
        for (std::size_t k = 0; k < sig_ids.size(); ++k) {
            int bit = width - 1 - static_cast<int>(i * sig_ids.size() + k);
            if (!((h.cell_mask >> bit) & 1u))
                continue;
            c.cells[j].satellite = sat_ids[i];
            c.cells[j].signal = sig_ids[k];
            c.cells[j].extended_info = static_cast<std::uint8_t>(s.ext[i]);
            c.sat[j++] = i;
        }
    }
    for (std::size_t i = 0; i < nsat; ++i)
        c.rough_ms[i] =
            s.ms[i] == rough_ms_invalid
                ? std::numeric_limits<double>::quiet_NaN()
                : static_cast<double>(s.ms[i]) + static_cast<double>(s.mod[i]) / rough_mod_units;
    return c;
}

// Fine pseudorange and phase range (added to the rough range, in metres; NaN when
// invalid), lock time and half-cycle of every cell.
void read_fine_cells(bit_reader& r, cell_layout& c, const fine_fields& f)
{
    auto metres = [&](std::size_t j, std::int64_t v, std::int64_t invalid, double units) {
        return v == invalid ? std::numeric_limits<double>::quiet_NaN()
                            : (c.rough_ms[c.sat[j]] + v / units) * range_ms_metres;
    };
    for (std::size_t j = 0; j < c.cells.size(); ++j)
        c.cells[j].pseudorange_m = metres(j, r.s(f.range_bits), f.range_invalid, f.range_units);
    for (std::size_t j = 0; j < c.cells.size(); ++j)
        c.cells[j].phaserange_m = metres(j, r.s(f.phase_bits), f.phase_invalid, f.phase_units);
    for (auto& cell : c.cells)
        cell.lock_time = static_cast<std::uint16_t>(r.u(f.lock_bits));
    for (auto& cell : c.cells)
        cell.half_cycle = r.u(1) != 0;
}

// MSM7's last cell fields: DF408 CNR and DF404 fine range rate (added to DF399).
void read_msm7_tail(bit_reader& r, cell_layout& c, const std::vector<std::int64_t>& rate)
{
    for (auto& cell : c.cells)
        cell.cnr_dbhz = static_cast<double>(r.u(10)) / cnr_units;
    for (std::size_t j = 0; j < c.cells.size(); ++j) {
        std::int64_t v = r.s(15);
        std::int64_t rough_rate = rate[c.sat[j]];
        c.cells[j].range_rate_mps =
            v == fine_rate_invalid || rough_rate == rough_rate_invalid
                ? std::numeric_limits<double>::quiet_NaN()
                : static_cast<double>(rough_rate) + static_cast<double>(v) * fine_rate_resolution;
    }
}

// MSM4's last cell field, DF403 CNR in whole dB-Hz; MSM4 has no range rate.
void read_msm4_tail(bit_reader& r, cell_layout& c)
{
    for (auto& cell : c.cells) {
        cell.range_rate_mps = std::numeric_limits<double>::quiet_NaN();
        cell.cnr_dbhz = static_cast<double>(r.u(6));
    }
}

// What decode_msm4_cells and decode_msm7_cells share; nullopt for another MSM number.
std::optional<std::vector<msm7_cell>> decode_cells(byte_view frame, int msm)
{
    auto read = read_header(frame);
    if (!read || read->header.msm != msm)
        return std::nullopt;
    bit_reader& r = read->body;
    const satellite_fields s = read_satellite_fields(r, read->header);
    cell_layout c = lay_out_cells(read->header, s);
    read_fine_cells(r, c, msm == 7 ? msm7_fine : msm4_fine);
    if (msm == 7)
        read_msm7_tail(r, c, s.rate);
    else
        read_msm4_tail(r, c);
    if (r.overrun()) // read_header checked the size; this guards that arithmetic
        return std::nullopt;
    return std::move(c.cells);
}

} // namespace

std::optional<std::vector<msm7_cell>> decode_msm7_cells(byte_view frame)
{
    return decode_cells(frame, 7);
}

std::optional<std::vector<msm7_cell>> decode_msm4_cells(byte_view frame)
{
    return decode_cells(frame, 4);
}

} // namespace gnss::rtcm3
