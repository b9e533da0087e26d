// SPDX-License-Identifier: GPL-3.0-or-later
// Tests for config::parse_duration and format_duration.
#include "config/duration.hpp"

#include <doctest/doctest.h>

#include <random>
#include <string>

using namespace std::chrono_literals;
using config::format_duration;
using config::parse_duration;

TEST_CASE("parse_duration reads every unit")
{
    const struct
    {
        std::string_view text;
        std::chrono::milliseconds want;
    } cases[] = {
        {"5s", 5s},
        {"250ms", 250ms},
        {"2m", 2min},
        {"1h", 1h},
        {"90d", std::chrono::days{90}},
        {"1ms", 1ms},
        {"007s", 7s},
        {"400d", std::chrono::days{400}},
        {"9600h", std::chrono::days{400}},
        {"34560000000ms", std::chrono::days{400}},
        {"00000000000000000000001s", 1s},
    };
    for (const auto& c : cases) {
        CAPTURE(c.text);
        const auto got = parse_duration(c.text);
        REQUIRE(got.has_value());
        CHECK(*got == c.want);
    }
}

TEST_CASE("parse_duration rejects malformed text with a message naming it")
{
    const struct
    {
        std::string_view text;
        std::string_view message_part;
    } cases[] = {
        {"fast", R"(expected a duration such as "5s" (got "fast"))"},
        {"", R"(expected a duration such as "5s" (got ""))"},
        {"s", "expected a duration"},
        {"5", R"(duration "5" has no unit)"},
        {"5x", "units are ms, s, m, h and d"},
        {"5S", "units are ms, s, m, h and d"},
        {"5 s", "expected a duration"},
        {" 5s", "expected a duration"},
        {"5s ", "expected a duration"},
        {"-5s", "expected a duration"},
        {"+5s", "expected a duration"},
        {"1.5s", "expected a duration"},
        {"1h30m", "expected a duration"},
        {"5sec", "expected a duration"},
        {"5mss", "expected a duration"},
        {"0s", "must be greater than 0"},
        {"0ms", "must be greater than 0"},
        {"000d", "must be greater than 0"},
        {"401d", "longer than the limit of 400d"},
        {"9601h", "longer than the limit of 400d"},
        {"34560000001ms", "longer than the limit of 400d"},
        {"99999999999999999999999d", "longer than the limit of 400d"},
        {"184467440737095516160ms", "longer than the limit of 400d"},
    };
    for (const auto& c : cases) {
        CAPTURE(c.text);
        const auto got = parse_duration(c.text);
        REQUIRE_FALSE(got.has_value());
        CHECK(got.error().find(c.message_part) != std::string::npos);
    }
}

TEST_CASE("parse_duration limits: max_duration and max_duration_chars")
{
    CHECK(config::max_duration == std::chrono::days{400});
    CHECK(parse_duration(format_duration(config::max_duration)).value() == config::max_duration);
    CHECK_FALSE(parse_duration(std::to_string(config::max_duration.count() + 1) + "ms"));

    // Leading zeros up to the length limit are fine; one more character is not.
    std::string longest(config::max_duration_chars - 1, '0');
    longest += 's';
    longest[longest.size() - 2] = '1';
    CHECK(parse_duration(longest).value() == 1s);
    const auto too_long = parse_duration("0" + longest);
    REQUIRE_FALSE(too_long);
    CHECK(too_long.error().find("longer than 32 characters") != std::string::npos);
}

TEST_CASE("parse_duration escapes what it echoes")
{
    const auto got = parse_duration("5\n\"s\x01\xff");
    REQUIRE_FALSE(got);
    CHECK(got.error().find('\n') == std::string::npos);
    CHECK(got.error().find(R"("5\n\"s\x01\xff")") != std::string::npos);
}

TEST_CASE("format_duration picks the largest exact unit")
{
    CHECK(format_duration(90 * 24h) == "90d");
    CHECK(format_duration(25h) == "25h");
    CHECK(format_duration(1500ms) == "1500ms");
    CHECK(format_duration(120s) == "2m");
    CHECK(format_duration(5s) == "5s");
    CHECK(format_duration(1ms) == "1ms");
}

TEST_CASE("format_duration and parse_duration round-trip (fixed-seed random)")
{
    std::mt19937_64 rng{20240601};
    std::uniform_int_distribution<std::int64_t> ms{1, config::max_duration.count()};
    std::uniform_int_distribution<int> unit{0, 4};
    constexpr std::int64_t scale[] = {1, 1000, 60'000, 3'600'000, 86'400'000};
    for (int i = 0; i < 5000; ++i) {
        // Mix arbitrary values with ones that are whole seconds, minutes, hours, days.
        const auto s = scale[unit(rng)];
        const auto v = std::max<std::int64_t>(s, ms(rng) / s * s);
        const std::chrono::milliseconds d{v};
        CAPTURE(v);
        const auto back = parse_duration(format_duration(d));
        REQUIRE(back.has_value());
        CHECK(*back == d);
    }
}

TEST_CASE("parse_duration on random text never accepts out-of-range values (fixed seed)")
{
    std::mt19937 rng{77};
    constexpr std::string_view alphabet = "0123456789msdh x.-\n";
    std::uniform_int_distribution<std::size_t> pick{0, alphabet.size() - 1};
    std::uniform_int_distribution<std::size_t> length{0, 40};
    int accepted = 0;
    for (int i = 0; i < 20000; ++i) {
        std::string text;
        for (auto n = length(rng); n > 0; --n)
            text += alphabet[pick(rng)];
        const auto got = parse_duration(text);
        if (got) {
            ++accepted;
            CHECK(*got > 0ms);
            CHECK(*got <= config::max_duration);
            CHECK(parse_duration(format_duration(*got)).value() == *got);
        } else {
            CHECK_FALSE(got.error().empty());
            CHECK(got.error().find('\n') == std::string::npos);
        }
    }
    CHECK(accepted > 0); // the alphabet does produce valid durations
}
