// SPDX-License-Identifier: GPL-3.0-or-later
// Tests for config::parse_serial_settings and serial_settings::to_string.
#include "config/serial_settings.hpp"

#include <doctest/doctest.h>

#include <random>
#include <string>

using config::flow_control;
using config::parity;
using config::parse_serial_settings;
using config::serial_settings;

TEST_CASE("parse_serial_settings reads RTKBase and str2str forms")
{
    const struct
    {
        std::string_view text;
        serial_settings want;
    } cases[] = {
        // RTKBase settings.conf default (com_port_settings) and str2str's form with flow.
        {"115200:8:n:1", {115200, 8, parity::none, 1, flow_control::none}},
        {"921600:8:N:1:off", {921600, 8, parity::none, 1, flow_control::none}},
        {"460800:8:n:1:none", {460800, 8, parity::none, 1, flow_control::none}},
        {"38400:7:e:2", {38400, 7, parity::even, 2, flow_control::none}},
        {"9600:8:E:1:rts", {9600, 8, parity::even, 1, flow_control::rtscts}},
        {"57600:6:o:1:rtscts", {57600, 6, parity::odd, 1, flow_control::rtscts}},
        {"19200:5:O:2:xon", {19200, 5, parity::odd, 2, flow_control::xonxoff}},
        {"230400:8:n:1:xonxoff", {230400, 8, parity::none, 1, flow_control::xonxoff}},
        {"4800:8:n:1:OFF", {4800, 8, parity::none, 1, flow_control::none}},
        {"1200:8:n:1:RTS", {1200, 8, parity::none, 1, flow_control::rtscts}},
        {"4000000:8:n:2:XonXoff", {4000000, 8, parity::none, 2, flow_control::xonxoff}},
        {"0115200:08:n:01", {115200, 8, parity::none, 1, flow_control::none}},
    };
    for (const auto& c : cases) {
        CAPTURE(c.text);
        const auto got = parse_serial_settings(c.text);
        REQUIRE(got.has_value());
        CHECK(*got == c.want);
    }
}

TEST_CASE("parse_serial_settings accepts exactly the standard baud rates")
{
    for (const auto baud : config::standard_baud_rates) {
        CAPTURE(baud);
        CHECK(parse_serial_settings(std::to_string(baud) + ":8:n:1").value().baud == baud);
    }
    for (const unsigned baud :
         {0u, 300u, 600u, 1199u, 14400u, 28800u, 115201u, 128000u, 256000u, 4000001u, 999999999u}) {
        CAPTURE(baud);
        const auto got = parse_serial_settings(std::to_string(baud) + ":8:n:1");
        REQUIRE_FALSE(got);
        CHECK(got.error().find("is not one of 1200, 1800") != std::string::npos);
    }
}

TEST_CASE("parse_serial_settings says which field is wrong")
{
    const struct
    {
        std::string_view text;
        std::string_view message_part;
    } cases[] = {
        {"", "1 fields separated by ':', need 4 or 5"},
        {"115200", "1 fields"},
        {"115200:8:n", "3 fields"},
        {"115200:8:n:1:off:x", "more than 5 fields"},
        {"1:2:3:4:5:6:7:8:9", "more than 5 fields"},
        {"abc:8:n:1", R"(baud "abc" is not one of)"},
        {"-115200:8:n:1", R"(baud "-115200")"},
        {"+115200:8:n:1", R"(baud "+115200")"},
        {" 115200:8:n:1", R"(baud " 115200")"},
        {":8:n:1", R"(baud "")"},
        {"99999999999999999999:8:n:1", "baud"},
        {"115200::n:1", R"(data bits "" must be 5 to 8)"},
        {"115200:9:n:1", R"(data bits "9" must be 5 to 8)"},
        {"115200:4:n:1", R"(data bits "4")"},
        {"115200:8x:n:1", R"(data bits "8x")"},
        {"115200:8:x:1", R"(parity "x" must be n, e or o)"},
        {"115200:8:none:1", R"(parity "none")"},
        {"115200:8::1", R"(parity "")"},
        {"115200:8:n:0", R"(stop bits "0" must be 1 or 2)"},
        {"115200:8:n:3", R"(stop bits "3")"},
        {"115200:8:n:1.5", R"(stop bits "1.5")"},
        {"115200:8:n:1:", R"(flow control "" must be off, none, rts, rtscts, xon or xonxoff)"},
        {"115200:8:n:1:hw", R"(flow control "hw")"},
        {"115200:8:n:1 ", R"(stop bits "1 ")"},
    };
    for (const auto& c : cases) {
        CAPTURE(c.text);
        const auto got = parse_serial_settings(c.text);
        REQUIRE_FALSE(got);
        CHECK(got.error().find(c.message_part) != std::string::npos);
        CHECK(got.error().find("expected baud:bits:parity:stop[:flow]") != std::string::npos);
    }
}

TEST_CASE("parse_serial_settings limit: max_serial_settings_chars")
{
    std::string text = "115200:8:n:1";
    text.insert(0, config::max_serial_settings_chars - text.size(), '0');
    CHECK(parse_serial_settings(text).value().baud == 115200);
    const auto got = parse_serial_settings("0" + text);
    REQUIRE_FALSE(got);
    CHECK(got.error().find("longer than 64 characters") != std::string::npos);
}

TEST_CASE("serial_settings::to_string writes the short forms")
{
    CHECK(serial_settings{}.to_string() == "115200:8:n:1");
    CHECK(serial_settings{9600, 7, parity::even, 2, flow_control::rtscts}.to_string() ==
          "9600:7:e:2:rts");
    CHECK(serial_settings{921600, 8, parity::odd, 1, flow_control::xonxoff}.to_string() ==
          "921600:8:o:1:xon");
}

TEST_CASE("every valid combination round-trips through to_string")
{
    int count = 0;
    for (const auto baud : config::standard_baud_rates)
        for (unsigned bits = config::min_data_bits; bits <= config::max_data_bits; ++bits)
            for (const auto par : {parity::none, parity::even, parity::odd})
                for (const unsigned stop : {1u, 2u})
                    for (const auto flow :
                         {flow_control::none, flow_control::rtscts, flow_control::xonxoff}) {
                        const serial_settings s{baud, bits, par, stop, flow};
                        CAPTURE(s.to_string());
                        CHECK(parse_serial_settings(s.to_string()).value() == s);
                        ++count;
                    }
    CHECK(count == 22 * 4 * 3 * 2 * 3);
}

TEST_CASE("parse_serial_settings on random text (fixed seed)")
{
    // Fields drawn from valid and invalid values, so both outcomes occur often.
    std::mt19937 rng{4242};
    const std::string_view pieces[] = {
        "115200", "9600", "921600", "14400", "8",   "7",   "5", "9", "1", "2",  "3",    "n",
        "E",      "o",    "x",      "off",   "rts", "XON", "",  " ", "0", "-1", "\xff", ":"};
    std::uniform_int_distribution<std::size_t> pick{0, std::size(pieces) - 1};
    std::uniform_int_distribution<int> field_count{3, 6};
    std::uniform_int_distribution<int> coin{0, 3};
    const auto valid_field = [](int index) -> std::string_view {
        constexpr std::string_view valid[] = {"460800", "8", "N", "2", "rtscts", "x"};
        return valid[index];
    };
    int accepted = 0;
    for (int i = 0; i < 20000; ++i) {
        std::string text;
        const int fields = field_count(rng);
        for (int f = 0; f < fields; ++f) {
            if (f > 0)
                text += ':';
            text += coin(rng) != 0 ? valid_field(f) : pieces[pick(rng)];
        }
        CAPTURE(text);
        const auto got = parse_serial_settings(text);
        if (got) {
            ++accepted;
            CHECK(parse_serial_settings(got->to_string()).value() == *got);
        } else {
            CHECK(got.error().find("invalid serial settings") == 0);
            CHECK(got.error().find('\n') == std::string::npos);
        }
    }
    CHECK(accepted > 1000);
    CHECK(accepted < 19000);
}
