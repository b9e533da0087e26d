// SPDX-License-Identifier: GPL-3.0-or-later
// A deterministic ZED-F9P base station: the bytes its port sends at 1 Hz, driven by its
// configuration store (which UBX commands change), for --demo, f9p_sim and tests that must
// not depend on a receiver.
#pragma once

#include "gnss/bytes.hpp"
#include "gnss/simulator_config.hpp"
#include "gnss/simulator_sky.hpp"
#include "gnss/ubx_nav.hpp"

#include <cstdint>
#include <vector>

namespace gnss {

// The receiver port the host is attached to: its CFG-MSGOUT-*_UART1 or *_USB rates and
// its CFG-UART1*PROT-* or CFG-USB*PROT-* keys decide what the simulator sends and hears.
enum class simulator_port : std::uint8_t
{
    uart1,
    usb
};

struct simulator_options
{
    std::uint32_t seed = 1;
    // Antenna reference point (ECEF, metres); the default is the base of the real capture.
    double ecef_x_m = 4444030.8028;
    double ecef_y_m = 3085671.2349;
    double ecef_z_m = 3366658.2560;
    double geoid_separation_m = 17.5; // geoid above the ellipsoid at the station
    std::uint16_t station_id = 0;     // 0..4095 (larger values become 4095)
    // GPS time of epoch 0 (integers, not a clock): 2022-02-08 08:41:59 UTC.
    std::uint16_t gps_week = 2196;
    std::uint32_t start_tow_ms = 204'137'000;
    // The options below seed the configuration store of a configured base (RAM and Flash,
    // both ports): TMODE fixed at the position above, or survey-in; 1005 every
    // station_interval epochs (1..255, the MSGOUT rate's range), MSM7 1077/1087/1097/1127,
    // 1230, NAV-PVT and NAV-SAT every epoch, NAV-SVIN every epoch while surveying.
    std::uint32_t station_interval = 1;
    // Survey-in instead of a fixed position: NAV-SVIN every epoch, converging; 1005 only
    // once it is valid, carrying the surveyed mean (as the F9P does).
    bool svin = false;
    std::uint32_t svin_min_duration_s = 60;
    double svin_accuracy_limit_m = 2.0; // stored in 0.1 mm, as CFG-TMODE-SVIN_ACC_LIMIT
    // Survey-in accuracy after the first second; it shrinks as k / sqrt(seconds), so a
    // limit L is met after (k / L)^2 s (10 m: 2 m after 25 s; 0.5 m: 0.1 m after 25 s).
    double svin_initial_accuracy_m = 10.0;
    // An unconfigured receiver instead: the F9P factory store (TMODE disabled, no RTCM or
    // UBX output, NMEA only) and the options above only place the antenna.
    bool factory = false;
    simulator_port port = simulator_port::uart1;
    simulator_config_options receiver{}; // MON-VER model/firmware, keys to refuse
};

class simulator
{
public:
    static constexpr std::uint32_t epoch_interval_ms = 1000;
    static constexpr std::uint16_t max_station_id = 4095; // 12 bits in RTCM3
    // Upper bound of one epoch's bytes with the default output set. A real F9P base port
    // carries ~2-3 KB a second (2.9 KB in the capture); ours measured 2.1-3.2 KB over a day
    // at any latitude.
    static constexpr std::size_t max_epoch_bytes = 3584;
    // With every message the simulator knows enabled (MSM4 and MSM7, NAV-SIG, ...).
    static constexpr std::size_t max_epoch_bytes_all_messages = 8192;
    // The sky's limits (see simulator_sky).
    static constexpr double elevation_mask_deg = simulator_sky::elevation_mask_deg;
    static constexpr std::size_t max_satellites_per_system =
        simulator_sky::max_satellites_per_system;

    explicit simulator(simulator_options options = {});

    // The bytes of epoch `index` (0 = start time) as the RAM configuration asks for them,
    // in a real F9P's order: RTCM3 1005, MSM4 1074/1084/1094/1124, MSM7 1077/1087/1097/1127,
    // 1230; UBX NAV-PVT, NAV-SAT, NAV-SIG; NMEA RMC, VTG, GGA, GSA x4, GSV, GLL; NAV-SVIN.
    // A message with MSGOUT rate N is in the epochs whose index is a multiple of N.
    // Pure: the same options, commands and index always give the same bytes.
    bytes epoch(std::uint32_t index) const;

    // The epoch after the one next() returned last (the first call gives epoch 0).
    bytes next() { return epoch(next_index_++); }

    // Handles one whole UBX frame the host wrote to the port: the frames the receiver
    // writes back (ACK/NAK, VALGET response, MON-VER; nothing for a bad frame or when the
    // port's UBX input or output protocol is off). A change of TMODE mode or survey-in
    // limits, or a reset, (re)starts the survey-in at the epoch next() gives next.
    std::vector<bytes> command(byte_view frame);

    // The MON-VER reply (whole UBX frame): ZED-F9P HPG 1.32 unless options.receiver says.
    bytes mon_ver() const { return config_.mon_ver(); }

    const simulator_config& config() const { return config_; }
    // The epoch index the current survey-in started at.
    std::uint32_t survey_start() const { return svin_start_; }

    // Satellites tracked at epoch `index`, ordered by gnss_id then sv_id.
    std::vector<sky_satellite> sky(std::uint32_t index) const;

    // GPS time of epoch `index` in milliseconds since the GPS epoch (1980-01-06).
    std::uint64_t gps_time_ms(std::uint32_t index) const;

    const simulator_options& options() const { return options_; }

private:
    void seed_configured_base();
    ubx::nav_sat nav_sat_of(std::uint32_t tow, std::uint32_t index,
                            const std::vector<sky_satellite>& sats) const;
    ubx::nav_sig nav_sig_of(std::uint32_t tow, std::uint32_t index,
                            const std::vector<sky_satellite>& sats) const;

    simulator_options options_;
    simulator_config config_;
    std::uint32_t svin_start_ = 0;
    simulator_sky sky_;
    std::uint32_t next_index_ = 0;
};

} // namespace gnss
