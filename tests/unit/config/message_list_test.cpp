// SPDX-License-Identifier: GPL-3.0-or-later
// Message lists: the parse table, every refusal and limit, round trips, the warnings table.
#include "config/message_list.hpp"

#include <doctest/doctest.h>

#include <map>
#include <random>
#include <string>
#include <vector>

using namespace std::chrono_literals;
using config::message_entry;
using config::message_list;
using config::parse_message_list;

namespace {

constexpr const char* rtkbase_full = "1004,1005(10),1006,1008(10),1012,1019,1020,1033(10),1042,"
                                     "1045,1046,1077,1087,1097,1107,1127,1230";
constexpr const char* rtkbase_f9p = "1005(10),1077,1087,1097,1127,1230(5)";

message_list must_parse(std::string_view text)
{
    auto l = parse_message_list(text);
    REQUIRE_MESSAGE(l.has_value(), (l ? std::string() : l.error()));
    return *l;
}

} // namespace

TEST_CASE("message list: RTKBase defaults and other valid forms")
{
    auto full = must_parse(rtkbase_full);
    REQUIRE(full.entries.size() == 17);
    CHECK(full.entries[0] == message_entry{1004, std::nullopt});
    CHECK(full.entries[1] == message_entry{1005, 10s});
    CHECK(full.entries[7] == message_entry{1033, 10s});
    CHECK(full.entries[16] == message_entry{1230, std::nullopt});
    CHECK(config::to_string(full) == rtkbase_full);

    auto f9p = must_parse(rtkbase_f9p);
    REQUIRE(f9p.entries.size() == 6);
    CHECK(f9p.entries[5] == message_entry{1230, 5s});
    CHECK(config::to_string(f9p) == rtkbase_f9p);

    struct row
    {
        const char* text;
        const char* canonical;
    };
    const row rows[] = {
        {"1", "1"},
        {"4095(3600)", "4095(3600)"},
        {"1(1)", "1(1)"},
        {" 1005(10) , 1077\t,\t1230 ", "1005(10),1077,1230"},
        {"1077,1005", "1077,1005"}, // written order is kept
    };
    for (const auto& r : rows) {
        CAPTURE(r.text);
        CHECK(config::to_string(must_parse(r.text)) == r.canonical);
    }
}

TEST_CASE("message list: every refusal names what is wrong")
{
    struct row
    {
        const char* text;
        const char* says;
    };
    const row rows[] = {
        {"", "empty"},
        {" \t ", "empty"},
        {"1005,,1077", "entry 2 is empty"},
        {"1005,", "entry 2 is empty"},
        {",1005", "entry 1 is empty"},
        {"1005, ,1077", "entry 2 is empty"},
        {"0", "must be 1..4095"},
        {"4096", "must be 1..4095"},
        {"99999999999999999999", "must be 1..4095"},
        {"abc", "expected a message number"},
        {"-1005", "expected a message number"},
        {"+1005", "expected a message number"},
        {"01005", "leading zeros"},
        {"1005(0)", "interval must be 1..3600"},
        {"1005(3601)", "interval must be 1..3600"},
        {"1005(99999999999999999999)", "interval must be 1..3600"},
        {"1005(010)", "leading zeros"},
        {"1005()", "whole seconds"},
        {"1005(1.5)", "expected \")\""},
        {"1005(-1)", "whole seconds"},
        {"1005(10", "expected \")\""},
        {"1005(10)x", "unexpected text"},
        {"1005(10)(5)", "unexpected text"},
        {"1005 (10)", "expected \"(seconds)\""},
        {"10 05", "expected \"(seconds)\""},
        {"1005;1077", "expected \"(seconds)\""},
        {"1005,1077,1005(10)", "entry 3: message 1005 is listed twice"},
        {"1005\n", "\\x0a"},
    };
    for (const auto& r : rows) {
        CAPTURE(r.text);
        auto l = parse_message_list(r.text);
        REQUIRE_FALSE(l.has_value());
        CHECK_MESSAGE(l.error().find(r.says) != std::string::npos, l.error());
    }
}

TEST_CASE("message list: length and entry limits")
{
    std::string at_cap = "1005" + std::string(config::max_message_list_length - 4, ' ');
    CHECK(parse_message_list(at_cap).has_value());
    auto over = parse_message_list(at_cap + " ");
    REQUIRE_FALSE(over.has_value());
    CHECK(over.error().find("limit is 1024") != std::string::npos);

    std::string list;
    for (std::size_t i = 1; i <= config::max_message_list_entries; ++i)
        list += (i > 1 ? "," : "") + std::to_string(i);
    CHECK(must_parse(list).entries.size() == config::max_message_list_entries);
    auto more = parse_message_list(list + ",4000");
    REQUIRE_FALSE(more.has_value());
    CHECK(more.error().find("more than 64 entries") != std::string::npos);
}

TEST_CASE("message list: effective intervals (station default 30 s like str2str)")
{
    CHECK(config::effective_interval({1005, std::nullopt}) == config::default_station_interval);
    CHECK(config::default_station_interval == 30s);
    CHECK(config::effective_interval({1005, 10s}) == 10s);
    CHECK(config::effective_interval({1230, std::nullopt}) == 30s);
    CHECK(config::effective_interval({1033, std::nullopt}) == 30s);
    CHECK(config::effective_interval({1077, std::nullopt}) == 0s);
    CHECK(config::effective_interval({1077, 5s}) == 5s);
    CHECK(config::effective_interval({1029, std::nullopt}) == 0s); // text: never decimated
}

TEST_CASE("message list: warnings name every type a receiver base cannot produce")
{
    auto w = config::warnings(must_parse(rtkbase_full));
    const std::vector<std::string> types{"1004", "1012", "1019", "1020", "1042", "1046"};
    REQUIRE(w.size() == types.size());
    for (std::size_t i = 0; i < types.size(); ++i) {
        CAPTURE(w[i]);
        CHECK(w[i].find("message " + types[i] + " ") != std::string::npos);
        CHECK(w[i].find("raw-observation conversion") != std::string::npos);
    }
    CHECK(config::warnings(must_parse(rtkbase_f9p)).empty());
    CHECK(config::warnings(must_parse("1045,1077")).empty());
}

TEST_CASE("message list: random valid lists round-trip; random text never breaks (fixed seed)")
{
    std::mt19937 rng(7);
    for (int round = 0; round < 500; ++round) {
        message_list l;
        std::map<int, bool> used;
        int n = std::uniform_int_distribution<int>(1, 64)(rng);
        for (int i = 0; i < n; ++i) {
            auto type =
                static_cast<std::uint16_t>(std::uniform_int_distribution<int>(1, 4095)(rng));
            if (used[type])
                continue;
            used[type] = true;
            message_entry e{type, std::nullopt};
            if (rng() % 2)
                e.interval = std::chrono::seconds(std::uniform_int_distribution<int>(1, 3600)(rng));
            l.entries.push_back(e);
        }
        auto text = config::to_string(l);
        CAPTURE(text);
        auto back = parse_message_list(text);
        REQUIRE(back.has_value());
        CHECK(*back == l);
    }
    const std::string alphabet = "0123456789(),  \t1005x";
    int accepted = 0;
    for (int round = 0; round < 2000; ++round) {
        std::string s(std::uniform_int_distribution<std::size_t>(0, 24)(rng), ' ');
        for (auto& c : s)
            c = alphabet[rng() % alphabet.size()];
        auto l = parse_message_list(s);
        if (!l) {
            CHECK_FALSE(l.error().empty());
            continue;
        }
        ++accepted;
        auto again = parse_message_list(config::to_string(*l));
        REQUIRE(again.has_value());
        CHECK(*again == *l);
    }
    CHECK(accepted > 0);
}
