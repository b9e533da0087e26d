// SPDX-License-Identifier: GPL-3.0-or-later
// The station's own RTCM3 messages: 1005/1006 from the configured position, 1008/1033
// from RTKBase-style antenna and receiver text, and the policy for the receiver's 1005.
#pragma once

#include "gnss/bytes.hpp"
#include "gnss/geodesy.hpp"

#include <tl/expected.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gnss {

// The antenna as RTCM 1008/1033 carry it (from config::antenna_settings, which parses
// RTKBase's "descriptor[,serial[,setup]]").
struct antenna_text
{
    std::string descriptor; // 1..31 printable ASCII, no comma; inner blanks kept
    std::string serial;     // 0..31 printable ASCII, no comma
    std::uint8_t setup_id = 0;
    bool operator==(const antenna_text&) const = default;
};

// Whose 1005/1006 goes out: the receiver's own (pass) or Cairn's from the configured
// position (replace; the receiver's are dropped).
enum class arp_policy : std::uint8_t
{
    pass,
    replace
};

struct station_config
{
    static constexpr std::uint16_t max_station_id = 4095;  // DF003 is 12 bits
    static constexpr double max_antenna_height_m = 6.5535; // DF028: 16 bits of 0.1 mm
    static constexpr std::chrono::milliseconds min_interval{1000};
    static constexpr std::chrono::milliseconds max_interval{3600 * 1000};

    // Sent in Cairn's messages, and written into every forwarded frame that carries a
    // station id (RTKLIB drops observations whose id differs from the 1005's). RTKBase
    // and the F9P send 0.
    std::uint16_t station_id = 0;
    // The antenna reference point, as RTKBase's position is. Needed for replace.
    std::optional<ecef> position;
    // ARP height above the marker, only reported (1006); it does not move the position.
    // Above 0 Cairn sends 1006 instead of 1005.
    double antenna_height_m = 0;
    bool force_1006 = false; // send 1006 even with a zero height
    std::optional<antenna_text> antenna;
    // 1033's receiver strings (<= 31 printable characters each); empty ones are filled
    // from the receiver's MON-VER by set_receiver_identity().
    std::string receiver_type, receiver_firmware, receiver_serial;
    arp_policy policy = arp_policy::pass;
    // How often Cairn's own messages go out; RTKBase's default list sends 1005, 1008
    // and 1033 every 10 s.
    std::chrono::milliseconds interval{10000};
};

// Rewrites the 12-bit reference station id of a whole RTCM3 frame (only types that carry
// it right after the message number, see rtcm3::station_id) and recomputes the CRC.
// Other frames come back unchanged; nullopt for a malformed frame or an id over 4095.
std::optional<bytes> rewrite_station_id(byte_view frame, std::uint16_t id);

class station_stream
{
public:
    using time_point = std::chrono::steady_clock::time_point;

    // Empty if the config can be used, else what is wrong with it (replace without a
    // position, an id, height, string or interval out of range).
    static tl::expected<void, std::string> check(const station_config& config);
    // A stream, or check()'s message.
    static tl::expected<station_stream, std::string> make(station_config config);
    // Throws std::invalid_argument with check()'s message; for start-up code that has
    // already checked.
    explicit station_stream(station_config config);

    // Whether the receiver's frame is forwarded: false for its 1005/1006 under replace,
    // and for any type Cairn sends itself (its 1008/1033 when Cairn has antenna info).
    bool pass(byte_view frame) const;
    // The frame to forward, or nullopt to drop it: pass(), then the configured station
    // id written in when the frame's differs.
    std::optional<bytes> forward(byte_view frame) const;

    // Cairn's frames due now: all of them at the first call, then again once interval
    // has passed (the schedule keeps its phase if a call comes late).
    std::vector<bytes> due(time_point now);

    // The receiver's MON-VER model and firmware fill 1033's receiver strings that the
    // config left empty; 1033 goes out from the next due time on. Bytes outside printable
    // ASCII become '?', and the strings are cut at 31 characters.
    void set_receiver_identity(std::string_view type, std::string_view firmware);

    // Cairn's frames in the order due() sends them (1005/1006, 1008, 1033).
    const std::vector<bytes>& frames() const { return frames_; }
    const station_config& config() const { return config_; }

private:
    void build();

    station_config config_;
    std::string learned_type_, learned_firmware_;
    std::vector<bytes> frames_;
    bool own_1008_ = false, own_1033_ = false;
    std::optional<time_point> next_;
};

} // namespace gnss
