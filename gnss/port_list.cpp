// SPDX-License-Identifier: GPL-3.0-or-later
// Serial port enumeration with libserialport, USB ID names and u-blox discovery.
#include "gnss/port_list.hpp"

#include <fmt/format.h>
#include <libserialport.h>

#include <algorithm>
#include <filesystem>
#include <memory>
#include <system_error>

namespace gnss {

namespace {

// libserialport's C handles, owned (STYLE.md rule 6).
struct sp_port_list_deleter
{
    void operator()(sp_port** list) const { sp_free_port_list(list); }
};
using sp_port_list_ptr = std::unique_ptr<sp_port*, sp_port_list_deleter>;

struct sp_error_message_deleter
{
    void operator()(char* msg) const { sp_free_error_message(msg); }
};
using sp_error_message_ptr = std::unique_ptr<char, sp_error_message_deleter>;

std::string text_or_empty(const char* s)
{
    return s ? s : "";
}

port_transport transport_of(const sp_port* port)
{
    switch (sp_get_port_transport(port)) {
    case SP_TRANSPORT_NATIVE:
        return port_transport::native;
    case SP_TRANSPORT_USB:
        return port_transport::usb;
    case SP_TRANSPORT_BLUETOOTH:
        return port_transport::bluetooth;
    }
    return port_transport::unknown;
}

port_info info_of(const sp_port* port)
{
    port_info info;
    info.path = text_or_empty(sp_get_port_name(port));
    info.description = text_or_empty(sp_get_port_description(port));
    info.transport = transport_of(port);
    if (info.transport == port_transport::usb) {
        int vid = -1;
        int pid = -1;
        if (sp_get_port_usb_vid_pid(port, &vid, &pid) == SP_OK && vid >= 0 && vid <= 0xffff &&
            pid >= 0 && pid <= 0xffff) {
            info.usb_vid = static_cast<std::uint16_t>(vid);
            info.usb_pid = static_cast<std::uint16_t>(pid);
        }
        info.manufacturer = text_or_empty(sp_get_port_usb_manufacturer(port));
        info.product = text_or_empty(sp_get_port_usb_product(port));
        info.serial_number = text_or_empty(sp_get_port_usb_serial(port));
    }
    return info;
}

} // namespace

const char* to_string(port_transport t)
{
    switch (t) {
    case port_transport::native:
        return "native";
    case port_transport::usb:
        return "usb";
    case port_transport::bluetooth:
        return "bluetooth";
    case port_transport::unknown:
        return "unknown";
    }
    return "unknown";
}

std::string describe(std::uint16_t vid, std::uint16_t pid)
{
    struct known
    {
        std::uint16_t vid;
        std::uint16_t pid;
        const char* name;
    };
    // u-blox IDs from usb.ids; the bridges are the chips found on receiver breakout boards.
    static constexpr known table[] = {
        {ublox_vid, ublox_zed_f9p_pid, "u-blox ZED-F9P"},
        {ublox_vid, 0x01a8, "u-blox 8 receiver"},
        {ublox_vid, 0x01a7, "u-blox 7 receiver"},
        {ublox_vid, 0x01a6, "u-blox 6 receiver"},
        {ublox_vid, 0x01a5, "u-blox 5 receiver"},
        {0x0403, 0x6001, "FTDI FT232R USB-UART"},
        {0x0403, 0x6015, "FTDI FT-X USB-UART"},
        {0x10c4, 0xea60, "Silicon Labs CP210x USB-UART"},
        {0x1a86, 0x7523, "WCH CH340 USB-UART"},
        {0x067b, 0x2303, "Prolific PL2303 USB-UART"},
    };
    for (const auto& k : table)
        if (k.vid == vid && k.pid == pid)
            return k.name;
    if (vid == ublox_vid)
        return "u-blox receiver";
    return fmt::format("USB device {:04x}:{:04x}", vid, pid);
}

tl::expected<std::vector<port_info>, std::string> port_list::enumerate()
{
    sp_port** raw = nullptr;
    if (sp_list_ports(&raw) != SP_OK) {
        sp_error_message_ptr msg{sp_last_error_message()};
        return tl::unexpected(
            fmt::format("cannot list serial ports: {}", msg ? msg.get() : "unknown error"));
    }
    sp_port_list_ptr list{raw};
    std::vector<port_info> ports;
    for (sp_port** p = list.get(); p && *p; ++p)
        ports.push_back(info_of(*p));
    std::sort(ports.begin(), ports.end(),
              [](const port_info& a, const port_info& b) { return a.path < b.path; });
    return ports;
}

std::optional<port_info> port_list::find_ublox(const std::vector<port_info>& ports)
{
    const auto f9p = std::find_if(ports.begin(), ports.end(), [](const port_info& p) {
        return p.is_ublox() && p.usb_pid == ublox_zed_f9p_pid;
    });
    if (f9p != ports.end())
        return *f9p;
    const auto any =
        std::find_if(ports.begin(), ports.end(), [](const port_info& p) { return p.is_ublox(); });
    if (any != ports.end())
        return *any;
    return std::nullopt;
}

std::optional<port_info> port_list::find_ublox()
{
    auto ports = enumerate();
    if (!ports)
        return std::nullopt;
    return find_ublox(*ports);
}

tl::expected<std::string, std::string> port_list::resolve_device(const std::string& path)
{
    std::error_code ec;
    const auto canonical = std::filesystem::canonical(path, ec);
    if (ec == std::errc::no_such_file_or_directory)
        return tl::unexpected(fmt::format("{}: no such device", path));
    if (ec)
        return tl::unexpected(fmt::format("{}: {}", path, ec.message()));
    return canonical.string();
}

} // namespace gnss
