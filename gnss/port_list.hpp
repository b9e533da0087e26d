// SPDX-License-Identifier: GPL-3.0-or-later
// Serial port enumeration through libserialport (USB IDs, names) and u-blox discovery for
// device = "auto". Enumeration only: libserialport cannot open ptys or udev symlinks.
#pragma once

#include <tl/expected.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace gnss {

enum class port_transport : std::uint8_t
{
    native,
    usb,
    bluetooth,
    unknown
};

const char* to_string(port_transport t);

// USB vendor and product IDs of u-blox receivers.
inline constexpr std::uint16_t ublox_vid = 0x1546;
inline constexpr std::uint16_t ublox_zed_f9p_pid = 0x01a9;

struct port_info
{
    std::string path;        // /dev/ttyACM0
    std::string description; // libserialport's text, e.g. "u-blox GNSS receiver"
    port_transport transport = port_transport::unknown;
    std::optional<std::uint16_t> usb_vid; // only for USB ports
    std::optional<std::uint16_t> usb_pid;
    std::string manufacturer; // USB strings; empty when the device has none
    std::string product;
    std::string serial_number;

    bool is_ublox() const { return usb_vid == ublox_vid; }
};

// A human name for a USB ID: "u-blox ZED-F9P" for 1546:01a9, "u-blox receiver" for other
// u-blox IDs, the usual USB-UART bridges by name, else "USB device vvvv:pppp".
std::string describe(std::uint16_t vid, std::uint16_t pid);

class port_list
{
public:
    // Every serial port the kernel knows (sorted by path). The error is libserialport's.
    static tl::expected<std::vector<port_info>, std::string> enumerate();

    // The first u-blox port, preferring a ZED-F9P (a multi-receiver host keeps its order).
    static std::optional<port_info> find_ublox(const std::vector<port_info>& ports);
    // Enumerates, then picks as above; empty when none is plugged in or enumeration fails.
    static std::optional<port_info> find_ublox();

    // The canonical path behind `path` (/dev/gnss-f9p -> /dev/ttyACM0), for reporting.
    static tl::expected<std::string, std::string> resolve_device(const std::string& path);
};

} // namespace gnss
