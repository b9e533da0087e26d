// SPDX-License-Identifier: GPL-3.0-or-later
// Replay at the pace of the original: splits a capture into receiver epochs by the GNSS
// time its frames carry, and says when each is due. Pure; the daemon owns the timer.
#pragma once

#include "gnss/bytes.hpp"

#include <chrono>
#include <cstdint>
#include <vector>

namespace gnss::epoch_pacer {

// Streams without any usable time are cut into chunks of this size, one per interval
// (about what an F9P base sends per second).
constexpr std::size_t fallback_chunk_size = 2048;
constexpr std::chrono::milliseconds fallback_chunk_interval{1000};
// A longer pause in the capture (logger stopped, receiver reset) replays as this long,
// so a replay never goes silent for hours.
constexpr std::chrono::milliseconds max_epoch_gap{10'000};
// A time source must split the stream into at least this many epochs to be used.
constexpr std::size_t min_timed_epochs = 2;
// Speeds below this are clamped to it (0 or less means "as fast as possible").
constexpr double min_speed = 0.01;

// Where the epoch boundaries came from, best first when several agree in number.
enum class time_source : std::uint8_t
{
    ubx_nav,      // UBX NAV-* iTOW (NAV-PVT, NAV-SAT, NAV-SVIN, NAV-CLOCK, ...)
    rtcm_msm,     // MSM epoch time of GPS, Galileo, QZSS and BeiDou (BeiDou shifted 14 s)
    rtcm_glonass, // GLONASS MSM epoch time, for GLONASS-only streams
    nmea_gga,     // GGA UTC time of day
    none,         // fixed-size chunks
};

const char* to_string(time_source s);

// One epoch: a slice of the capture and when it is due after the first epoch.
struct replay_epoch
{
    std::size_t first_byte = 0;
    std::size_t length = 0;
    std::chrono::milliseconds offset{0};

    byte_view bytes(byte_view capture) const { return capture.subspan(first_byte, length); }
};

struct split_result
{
    std::vector<replay_epoch> epochs;
    time_source source = time_source::none;
};

// Splits the capture into consecutive epochs covering every byte (garbage and truncated
// frames included), so concatenating them gives the capture back. A new epoch begins
// where the chosen source's time changes; frames without time between two epochs go to
// the earlier one up to its NMEA block's end (u-blox sends NMEA last), otherwise to the
// later one. The source is the one giving the most epochs (ties: enum order).
split_result split(byte_view capture);
std::vector<replay_epoch> split_epochs(byte_view capture);

// Wall-clock offset (from the replay's start) at which an epoch is due: its capture
// offset divided by speed (2.0 = twice as fast). speed <= 0 or NaN: at once.
std::chrono::milliseconds due(std::chrono::milliseconds epoch_offset, double speed);

// How many epochs, counted from the first, are due once `elapsed` has passed.
std::size_t epochs_due(const std::vector<replay_epoch>& epochs, std::chrono::milliseconds elapsed,
                       double speed);

} // namespace gnss::epoch_pacer
