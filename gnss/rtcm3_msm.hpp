// SPDX-License-Identifier: GPL-3.0-or-later
// RTCM3 multiple-signal messages (MSM1-7): header decoding, and the MSM4 and MSM7
// encoders the simulator uses.
#pragma once

#include "gnss/bytes.hpp"

#include <cstdint>
#include <optional>
#include <vector>

namespace gnss::rtcm3 {

enum class constellation
{
    gps,
    glonass,
    galileo,
    sbas,
    qzss,
    beidou,
    navic
};

const char* to_string(constellation c);

// Constellation and MSM number (1..7) of a message type, if it is an MSM type.
struct msm_kind
{
    constellation system;
    int msm;
};
std::optional<msm_kind> msm_type(std::uint16_t message_type);

constexpr std::size_t msm_max_cells = 64; // satellite x signal cells, RTCM limit

struct msm_header
{
    std::uint16_t type = 0;
    constellation system = constellation::gps;
    int msm = 0;
    std::uint16_t station_id = 0;
    std::uint32_t epoch = 0; // 30 bits; GPS TOW ms, GLONASS day+TOD
    bool multiple_message = false;
    std::uint8_t iods = 0;
    std::uint8_t clock_steering = 0;
    std::uint8_t external_clock = 0;
    bool divergence_free_smoothing = false;
    std::uint8_t smoothing_interval = 0;
    std::uint64_t satellite_mask = 0; // bit 63 = satellite 1
    std::uint32_t signal_mask = 0;    // bit 31 = signal 1
    std::uint64_t cell_mask = 0;      // nsat*nsig bits, right-aligned
    int satellites = 0;
    int signals = 0;
    int cells = 0; // set bits in cell_mask
};

// Decodes the header of a whole MSM frame; nullopt for non-MSM types, more than
// msm_max_cells satellite x signal pairs, or a frame too short for the body its masks need.
std::optional<msm_header> decode_msm_header(byte_view frame);

// One satellite for encode_msm7: PRN/slot (1..64) and which signals (1..32) it has.
struct msm_satellite
{
    int id = 1;
    std::vector<int> signals; // signal ids 1..32
    double range_ms = 70.0;   // rough range in milliseconds
    double cnr_dbhz = 45.0;
};

// Encodes a whole MSM7 frame for the given system with plausible field values: the
// pseudorange is range_ms (plus a small per-signal bias), GLONASS carries its slot's
// frequency channel, lock time says "locked for minutes".
// nullopt when there are more than msm_max_cells cells or the payload exceeds 1023 bytes,
// and for invalid input: station id > 4095, epoch >= 2^30, a satellite id outside 1..64
// or given twice, a signal id outside 1..32 or given twice, no signals, range_ms outside
// [0, 255) ms, cnr_dbhz outside [0, 63.9375].
std::optional<bytes> encode_msm7(constellation system, std::uint16_t station_id,
                                 std::uint32_t epoch, bool multiple_message,
                                 const std::vector<msm_satellite>& satellites);

// The same observations as an MSM4 frame (1074, 1084, ...): RTKLIB's decode_msm4 layout,
// 18 bits per satellite (DF397 8, DF398 10) and 48 per cell (DF400 fine pseudorange 15
// bits of 2^-24 ms, DF401 fine phase 22 bits of 2^-29 ms, DF402 lock 4, DF420 half-cycle
// 1, DF403 CNR 6 bits of 1 dB-Hz, clamped to 63). Same refusals as encode_msm7.
std::optional<bytes> encode_msm4(constellation system, std::uint16_t station_id,
                                 std::uint32_t epoch, bool multiple_message,
                                 const std::vector<msm_satellite>& satellites);

// GLONASS frequency channel (-7..6) of orbital slot 1..24, as the encoders' DF419 uses
// it; nullopt for other slots.
std::optional<int> glonass_frequency_channel(int slot);

// One MSM4 or MSM7 cell (satellite x signal) in physical units; invalid fields are NaN.
struct msm7_cell
{
    int satellite = 0;              // 1..64, from the satellite mask
    int signal = 0;                 // 1..32, from the signal mask
    std::uint8_t extended_info = 0; // DF419: GLONASS frequency channel + 7
    double pseudorange_m = 0;       // rough range + fine pseudorange
    double phaserange_m = 0;        // rough range + fine phase range
    double range_rate_mps = 0;      // rough + fine phase-range rate
    std::uint16_t lock_time = 0;    // DF407 indicator
    bool half_cycle = false;
    double cnr_dbhz = 0;
};

// Decodes the cells of a whole MSM7 frame in message order (satellite-major); nullopt
// for other messages or when the frame is too short for its masks.
std::optional<std::vector<msm7_cell>> decode_msm7_cells(byte_view frame);
// The same for an MSM4 frame: extended_info 0, range_rate_mps NaN, lock_time is DF402.
std::optional<std::vector<msm7_cell>> decode_msm4_cells(byte_view frame);

} // namespace gnss::rtcm3
