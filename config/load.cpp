// SPDX-License-Identifier: GPL-3.0-or-later
// Reads the TOML config file into config::settings, or says where and why it is wrong.
#include "config/load.hpp"

#include "config/caster_load.hpp"
#include "config/duration.hpp"
#include "config/load_rules.hpp"
#include "config/quote.hpp"
#include "config/station_load.hpp"

#include <fmt/format.h>
#include <toml++/toml.h>

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <sstream>
#include <system_error>
#include <type_traits>
#include <utility>

namespace config {
namespace {

using namespace detail;

// Longest description of a TOML syntax error echoed (toml++'s are well under this).
constexpr std::size_t max_syntax_message_chars = 512;

struct table_rule
{
    std::string_view name;
    std::span<const key_rule> keys;
    std::span<const array_rule> arrays;
};

// ---- [daemon] ----

constexpr std::array<key_rule, 3> daemon_keys{{
    {"state_dir",
     [](const toml::node& node, settings& s) -> tl::expected<void, std::string> {
         auto v = string_of(node, R"("/var/lib/cairn")");
         if (!v)
             return tl::unexpected(v.error());
         if (auto ok = check_absolute_path(*v); !ok)
             return ok;
         s.daemon.state_dir = std::string{*v};
         return {};
     }},
    {"runtime_dir",
     [](const toml::node& node, settings& s) -> tl::expected<void, std::string> {
         auto v = string_of(node, R"("/run/cairn")");
         if (!v)
             return tl::unexpected(v.error());
         if (auto ok = check_absolute_path(*v); !ok)
             return ok;
         s.daemon.runtime_dir = std::string{*v};
         return {};
     }},
    {"log_level",
     [](const toml::node& node, settings& s) -> tl::expected<void, std::string> {
         auto v = string_of(node, R"("info")");
         if (!v)
             return tl::unexpected(v.error());
         if (auto ok = check_log_level(*v); !ok)
             return ok;
         s.daemon.log_level = std::string{*v};
         return {};
     }},
}};

// ---- [limits] ----

using lim = limits_settings;
constexpr auto lockout_lo = lim::min_lockout.count();
constexpr auto lockout_hi = lim::max_lockout.count();

constexpr std::array<key_rule, 11> limits_keys{{
    {"connections_per_second",
     [](const toml::node& node, settings& s) -> tl::expected<void, std::string> {
         // A float allows one connection every few seconds ("0.2"); an integer is fine too.
         const auto* f = node.as_floating_point();
         const auto* i = node.as_integer();
         if (f == nullptr && i == nullptr)
             return tl::unexpected(
                 fmt::format("expected a number such as 5, got {}", type_name(node.type())));
         const double rate = f != nullptr ? f->get() : static_cast<double>(i->get());
         if (!(rate >= lim::min_connections_per_second && rate <= lim::max_connections_per_second))
             return tl::unexpected(fmt::format("expected a number from {} to {} (got {})",
                                               lim::min_connections_per_second,
                                               lim::max_connections_per_second, rate));
         s.limits.connections_per_second = rate;
         return {};
     }},
    {"connection_burst",
     apply_count<&settings::limits, &lim::connection_burst, 1, lim::max_connection_burst>},
    {"max_connections",
     apply_count<&settings::limits, &lim::max_connections, 1, lim::max_max_connections>},
    {"auth_failures_before_lockout",
     apply_count<&settings::limits, &lim::auth_failures_before_lockout, 1,
                 lim::max_auth_failures_before_lockout>},
    {"lockout_initial",
     apply_duration<&settings::limits, &lim::lockout_initial, lockout_lo, lockout_hi>},
    {"lockout_max", apply_duration<&settings::limits, &lim::lockout_max, lockout_lo, lockout_hi>},
    {"failure_window",
     apply_duration<&settings::limits, &lim::failure_window, lim::min_failure_window.count(),
                    lim::max_failure_window.count()>},
    {"max_tracked_addresses", apply_count<&settings::limits, &lim::max_tracked_addresses,
                                          lim::min_tracked, lim::max_tracked>},
    {"max_tracked_users",
     apply_count<&settings::limits, &lim::max_tracked_users, lim::min_tracked, lim::max_tracked>},
    {"default_max_sessions",
     apply_count<&settings::limits, &lim::default_max_sessions, 1, lim::max_default_max_sessions>},
    {"ipv6_prefix_length", apply_count<&settings::limits, &lim::ipv6_prefix_length,
                                       lim::min_ipv6_prefix_length, lim::max_ipv6_prefix_length>},
}};

// ---- [audit] ----

using aud = audit_settings;

constexpr std::array<key_rule, 3> audit_keys{{
    {"queue_capacity", apply_count<&settings::audit, &aud::queue_capacity, aud::min_queue_capacity,
                                   aud::max_queue_capacity>},
    {"checkpoint_every",
     apply_count<&settings::audit, &aud::checkpoint_every, 1, aud::max_checkpoint_every>},
    {"checkpoint_interval",
     apply_duration<&settings::audit, &aud::checkpoint_interval,
                    aud::min_checkpoint_interval.count(), aud::max_checkpoint_interval.count()>},
}};

// Every table the file may hold. A new table is a key_rule array and one line here.
const std::array<table_rule, 6> tables{{
    {"receiver", receiver_rules(), {}},
    {"station", station_rules(), {}},
    {"daemon", daemon_keys, {}},
    {"limits", limits_keys, {}},
    {"audit", audit_keys, {}},
    {"caster", caster_rules(), caster_array_rules()},
}};

void apply_table(const table_rule& rule, const toml::table& table, settings& s, first_error& errors)
{
    for (auto&& [key, node] : table) {
        const auto full_key = fmt::format("{}.{}", rule.name, display_key(key.str()));
        if (const auto* a = find_rule(rule.arrays, key.str())) {
            a->read(node, full_key, s, errors);
            continue;
        }
        const auto* k = find_rule(rule.keys, key.str());
        if (k == nullptr) {
            auto valid = names_of(rule.keys, "", "");
            if (!rule.arrays.empty())
                valid += ", " + names_of(rule.arrays, "", "");
            errors.add(key.source(), full_key,
                       fmt::format("unknown key {} in [{}]; valid keys: {}", quote(key.str()),
                                   rule.name, valid));
            continue;
        }
        if (auto ok = k->apply(node, s); !ok)
            errors.add(node.source(), full_key, std::move(ok.error()));
    }
}

// Checks between keys, once each key is valid on its own: the first lockout may not be
// longer than the cap. Reported at whichever of the two keys comes later in the file.
void check_lockout_order(const toml::table& root, const settings& s, first_error& errors)
{
    const auto& l = s.limits;
    if (l.lockout_initial <= l.lockout_max)
        return;
    const toml::node* initial = root.at_path("limits.lockout_initial").node();
    const toml::node* max = root.at_path("limits.lockout_max").node();
    const auto later_is_max =
        max != nullptr &&
        (initial == nullptr ||
         std::pair{max->source().begin.line, max->source().begin.column} >
             std::pair{initial->source().begin.line, initial->source().begin.column});
    const toml::node* at = later_is_max ? max : initial;
    if (at == nullptr)
        return; // both defaults: cannot happen, the defaults are in order
    errors.add(at->source(), later_is_max ? "limits.lockout_max" : "limits.lockout_initial",
               fmt::format("lockout_initial ({}) must not be longer than lockout_max ({})",
                           format_duration(l.lockout_initial), format_duration(l.lockout_max)));
}

// Checks between [receiver] and [station] keys, reported at the key named (or the table,
// or the file when the key is not in it); warnings go to s.warnings.
void check_station_keys(const toml::table& root, settings& s, first_error& errors)
{
    for (auto& p : check_station(s)) {
        const toml::node* at = root.at_path(p.key).node();
        if (at == nullptr)
            at = root.at_path(p.key.substr(0, p.key.find('.'))).node();
        const toml::source_region where = at != nullptr ? at->source() : toml::source_region{};
        if (p.fatal) {
            errors.add(where, p.key, std::move(p.message));
            continue;
        }
        s.warnings.push_back(error{errors.file(), static_cast<std::size_t>(where.begin.line),
                                   static_cast<std::size_t>(where.begin.column), p.key,
                                   std::move(p.message)}
                                 .to_string());
    }
}

tl::expected<settings, error> apply_root(const toml::table& root, std::string_view file_name)
{
    settings s;
    s.source = std::string{file_name};
    first_error errors{file_name};
    for (auto&& [key, node] : root) {
        const auto* rule = find_rule(tables, key.str());
        if (rule == nullptr) {
            const auto what = node.is_table()
                                  ? fmt::format("unknown table [{}]", display_key(key.str()))
                                  : fmt::format("unknown top-level key {}", quote(key.str()));
            errors.add(key.source(), display_key(key.str()),
                       fmt::format("{}; valid tables: {}", what, names_of(tables, "[", "]")));
            continue;
        }
        const auto* table = node.as_table();
        if (table == nullptr) {
            errors.add(node.source(), std::string{rule->name},
                       fmt::format("expected a table, got {}", type_name(node.type())));
            continue;
        }
        apply_table(*rule, *table, s, errors);
    }
    if (!errors.get())
        check_lockout_order(root, s, errors);
    if (!errors.get())
        check_station_keys(root, s, errors);
    if (errors.get())
        return tl::unexpected(*errors.get());
    return s;
}

// Closes the descriptor load_file opened, on every path out.
struct fd_guard
{
    int fd;
    ~fd_guard() { ::close(fd); }
};

} // namespace

tl::expected<settings, error> parse(std::string_view text, std::string_view file_name)
{
    const auto whole_file = [&](std::string message) {
        return tl::unexpected(error{std::string{file_name}, 0, 0, {}, std::move(message)});
    };
    if (text.size() > max_config_bytes)
        return whole_file(fmt::format("config is {} bytes, more than the limit of {}", text.size(),
                                      max_config_bytes));
    // toml++ here is built with exceptions (TOML_EXCEPTIONS), so syntax errors throw.
    // Its descriptions already escape what they quote; escape() only keeps them one line.
    try {
        const toml::table root = toml::parse(text, file_name);
        return apply_root(root, file_name);
    } catch (const toml::parse_error& e) {
        const auto& where = e.source();
        return tl::unexpected(error{std::string{file_name},
                                    static_cast<std::size_t>(where.begin.line),
                                    static_cast<std::size_t>(where.begin.column),
                                    {},
                                    escape(e.description(), max_syntax_message_chars, false)});
    } catch (const std::exception& e) {
        // Only std::bad_alloc is expected here; parse() promises not to throw.
        return whole_file(fmt::format("cannot parse: {}", e.what()));
    }
}

tl::expected<settings, error> load_file(const std::string& path)
{
    const auto fail = [&](std::string message) {
        return tl::unexpected(error{path, 0, 0, {}, std::move(message)});
    };
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
        return fail(fmt::format("cannot open: {}", std::generic_category().message(errno)));
    const fd_guard guard{fd};
    std::string text;
    std::array<char, 64 * 1024> buffer{};
    for (;;) {
        const auto n = ::read(fd, buffer.data(), buffer.size());
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return fail(fmt::format("cannot read: {}", std::generic_category().message(errno)));
        if (n == 0)
            break;
        text.append(buffer.data(), static_cast<std::size_t>(n));
        if (text.size() > max_config_bytes)
            return fail(fmt::format("config is more than the limit of {} bytes", max_config_bytes));
    }
    return parse(text, path);
}

std::string to_toml(const settings& s)
{
    const auto& l = s.limits;
    toml::table root{
        {"receiver", receiver_table(s.receiver)},
        {"station", station_table(s.station)},
        {"daemon", toml::table{{"state_dir", s.daemon.state_dir},
                               {"runtime_dir", s.daemon.runtime_dir},
                               {"log_level", s.daemon.log_level}}},
        {"limits",
         toml::table{
             {"connections_per_second", l.connections_per_second},
             {"connection_burst", std::int64_t{l.connection_burst}},
             {"max_connections", std::int64_t{l.max_connections}},
             {"auth_failures_before_lockout", std::int64_t{l.auth_failures_before_lockout}},
             {"lockout_initial", format_duration(l.lockout_initial)},
             {"lockout_max", format_duration(l.lockout_max)},
             {"failure_window", format_duration(l.failure_window)},
             {"max_tracked_addresses", std::int64_t{l.max_tracked_addresses}},
             {"max_tracked_users", std::int64_t{l.max_tracked_users}},
             {"default_max_sessions", std::int64_t{l.default_max_sessions}},
             {"ipv6_prefix_length", std::int64_t{l.ipv6_prefix_length}},
         }},
        {"audit",
         toml::table{
             {"queue_capacity", std::int64_t{s.audit.queue_capacity}},
             {"checkpoint_every", std::int64_t{s.audit.checkpoint_every}},
             {"checkpoint_interval", format_duration(s.audit.checkpoint_interval)},
         }},
    };
    root.insert("caster", caster_table(s.caster));
    std::ostringstream out;
    out << root << '\n';
    return out.str();
}

} // namespace config
