// SPDX-License-Identifier: GPL-3.0-or-later
// Reads the TOML config file into config::settings, or says where and why it is wrong.
#include "config/load.hpp"

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

class first_error;

// A key holding an array of tables ([[caster.listener]]): read stores it in s and reports
// each problem where it is, under key (the full dotted name).
using read_array_fn = void (*)(const toml::node& node, std::string_view key, settings& s,
                               first_error& errors);

struct array_rule
{
    std::string_view name;
    read_array_fn read;
};

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

template <typename Rules>
auto find_rule(const Rules& rules, std::string_view name) -> decltype(&*std::begin(rules))
{
    for (const auto& r : rules)
        if (r.name == name)
            return &r;
    return nullptr;
}

template <typename Rules>
std::string names_of(const Rules& rules, std::string_view open, std::string_view close)
{
    std::string out;
    for (const auto& r : rules)
        out += fmt::format("{}{}{}{}", out.empty() ? "" : ", ", open, r.name, close);
    return out;
}

// A key as TOML would print it: bare when it can be, else quoted and escaped.
std::string display_key(std::string_view key)
{
    const bool bare = !key.empty() && key.size() <= max_echo_chars &&
                      std::all_of(key.begin(), key.end(), [](char c) {
                          return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                                 (c >= '0' && c <= '9') || c == '_' || c == '-';
                      });
    return bare ? std::string{key} : quote(key);
}

// Collects errors and keeps the first in file order (toml++ tables iterate by key name).
class first_error
{
public:
    explicit first_error(std::string_view file) : file_{file} {}

    void add(const toml::source_region& where, std::string key, std::string message)
    {
        const auto line = static_cast<std::size_t>(where.begin.line);
        const auto column = static_cast<std::size_t>(where.begin.column);
        ++count_;
        if (error_ && std::pair{error_->line, error_->column} <= std::pair{line, column})
            return;
        error_ = error{file_, line, column, std::move(key), std::move(message)};
    }

    const std::optional<error>& get() const { return error_; }
    const std::string& file() const { return file_; }

    // Errors added so far, kept or not: lets a reader skip checks on a part already wrong.
    std::size_t count() const { return count_; }

private:
    std::string file_;
    std::optional<error> error_;
    std::size_t count_ = 0;
};

// ---- [caster] ----

using cas = caster_settings;

constexpr std::array<key_rule, 8> caster_keys{{
    {"server_name",
     [](const toml::node& node, settings& s) -> tl::expected<void, std::string> {
         auto v = string_of(node, R"("cairn")");
         if (!v)
             return tl::unexpected(v.error());
         if (v->empty())
             return tl::unexpected(std::string{"must not be empty"});
         if (auto ok = check_sourcetable_text(*v, cas::max_server_name_chars); !ok)
             return ok;
         s.caster.server_name = std::string{*v};
         return {};
     }},
    {"chunked", apply_bool<&settings::caster, &cas::chunked>},
    {"header_timeout",
     apply_duration<&settings::caster, &cas::header_timeout, cas::min_header_timeout.count(),
                    cas::max_header_timeout.count()>},
    {"idle_timeout", apply_duration<&settings::caster, &cas::idle_timeout,
                                    cas::min_idle_timeout.count(), cas::max_idle_timeout.count()>},
    {"client_queue_bytes", apply_count<&settings::caster, &cas::client_queue_bytes,
                                       cas::min_client_queue_bytes, cas::max_client_queue_bytes>},
    {"client_queue_age",
     apply_duration<&settings::caster, &cas::client_queue_age, cas::min_client_queue_age.count(),
                    cas::max_client_queue_age.count()>},
    {"listen_backlog",
     apply_count<&settings::caster, &cas::listen_backlog, 1, cas::max_listen_backlog>},
    {"fanout_threads",
     apply_count<&settings::caster, &cas::fanout_threads, 1, cas::max_fanout_threads>},
}};

// One key of an element of an array of tables, such as port in [[caster.listener]].
template <typename T> struct element_key
{
    std::string_view name;
    tl::expected<void, std::string> (*apply)(const toml::node& node, T& out);
};

// The struct a member pointer belongs to: element_text<&mountpoint_settings::misc, ...>.
template <typename M> struct owner_of;
template <typename C, typename V> struct owner_of<V C::*>
{
    using type = C;
};
template <auto member> using owner_t = typename owner_of<decltype(member)>::type;

// A string literal as a template argument, for the example in a message.
template <std::size_t N> struct literal
{
    constexpr literal(const char (&s)[N]) { std::copy_n(s, N, text); }
    constexpr std::string_view view() const { return {text, N - 1}; }
    char text[N];
};

template <auto member>
tl::expected<void, std::string> element_bool(const toml::node& node, owner_t<member>& out)
{
    const auto* v = node.as_boolean();
    if (v == nullptr)
        return tl::unexpected(
            fmt::format("expected true or false, got {}", type_name(node.type())));
    out.*member = v->get();
    return {};
}

// Sourcetable text: at most cap characters of printable ASCII without ';'.
template <auto member, std::size_t cap, bool required, literal example>
tl::expected<void, std::string> element_text(const toml::node& node, owner_t<member>& out)
{
    auto v = string_of(node, example.view());
    if (!v)
        return tl::unexpected(v.error());
    if (required && v->empty())
        return tl::unexpected(fmt::format("must not be empty (such as {})", example.view()));
    if (auto ok = check_sourcetable_text(*v, cap); !ok)
        return ok;
    out.*member = std::string{*v};
    return {};
}

template <auto member, std::int64_t lo, std::int64_t hi>
tl::expected<void, std::string> element_integer(const toml::node& node, owner_t<member>& out)
{
    using value_type = std::remove_reference_t<decltype(out.*member)>;
    static_assert(lo >= 0 && hi <= std::numeric_limits<value_type>::max());
    auto v = integer_in(node, lo, hi, static_cast<std::int64_t>(owner_t<member>{}.*member));
    if (!v)
        return tl::unexpected(v.error());
    out.*member = static_cast<value_type>(*v);
    return {};
}

// Degrees in [-limit, limit]; an integer is fine too ("latitude = 47").
template <auto member, int limit, literal example>
tl::expected<void, std::string> element_degrees(const toml::node& node, owner_t<member>& out)
{
    const auto* f = node.as_floating_point();
    const auto* i = node.as_integer();
    if (f == nullptr && i == nullptr)
        return tl::unexpected(fmt::format("expected a number of degrees such as {}, got {}",
                                          example.view(), type_name(node.type())));
    const double v = f != nullptr ? f->get() : static_cast<double>(i->get());
    if (!(v >= -limit && v <= limit))
        return tl::unexpected(
            fmt::format("expected degrees from {} to {} (got {})", -limit, limit, v));
    out.*member = v;
    return {};
}

template <auto member>
tl::expected<void, std::string> element_path(const toml::node& node, owner_t<member>& out)
{
    auto v = string_of(node, R"("/etc/cairn/tls/cert.pem")");
    if (!v)
        return tl::unexpected(v.error());
    if (auto ok = check_absolute_path(*v); !ok)
        return ok;
    out.*member = std::string{*v};
    return {};
}

using lst = listener_settings;

constexpr std::array<element_key<lst>, 7> listener_keys{{
    {"address",
     [](const toml::node& node, lst& out) -> tl::expected<void, std::string> {
         auto v = string_of(node, R"("0.0.0.0" or "::")");
         if (!v)
             return tl::unexpected(v.error());
         auto address = canonical_ip_address(*v);
         if (!address)
             return tl::unexpected(address.error());
         out.address = std::move(*address);
         return {};
     }},
    {"port", element_integer<&lst::port, 1, 65535>},
    {"tls", element_bool<&lst::tls>},
    {"chunked",
     [](const toml::node& node, lst& out) -> tl::expected<void, std::string> {
         const auto* v = node.as_boolean();
         if (v == nullptr)
             return tl::unexpected(
                 fmt::format("expected true or false, got {}", type_name(node.type())));
         out.chunked = v->get();
         return {};
     }},
    {"certificate", element_path<&lst::certificate>},
    {"key", element_path<&lst::key>},
    {"names",
     [](const toml::node& node, lst& out) -> tl::expected<void, std::string> {
         const auto* a = node.as_array();
         if (a == nullptr)
             return tl::unexpected(
                 fmt::format("expected an array of names such as [\"base.example.org\"], got {}",
                             type_name(node.type())));
         if (a->size() > lst::max_names)
             return tl::unexpected(
                 fmt::format("more than {} names (got {})", lst::max_names, a->size()));
         std::vector<std::string> names;
         for (std::size_t i = 0; i < a->size(); ++i) {
             const auto* name = (*a)[i].as_string();
             if (name == nullptr)
                 return tl::unexpected(fmt::format("names[{}]: expected a string, got {}", i,
                                                   type_name((*a)[i].type())));
             if (auto ok = check_certificate_name(name->get()); !ok)
                 return tl::unexpected(fmt::format("names[{}]: {}", i, ok.error()));
             names.emplace_back(name->get());
         }
         out.names = std::move(names);
         return {};
     }},
}};

using mnt = mountpoint_settings;
constexpr auto text_cap = max_str_text_chars;
constexpr auto long_cap = max_str_long_text_chars;

constexpr std::array<element_key<mnt>, 14> mountpoint_keys{{
    {"name",
     [](const toml::node& node, mnt& out) -> tl::expected<void, std::string> {
         auto v = string_of(node, R"("BASE1")");
         if (!v)
             return tl::unexpected(v.error());
         if (auto ok = check_mountpoint_name(*v); !ok)
             return ok;
         out.name = std::string{*v};
         return {};
     }},
    {"source",
     [](const toml::node& node, mnt& out) -> tl::expected<void, std::string> {
         auto v = string_of(node, R"("receiver")");
         if (!v)
             return tl::unexpected(v.error());
         const auto source = parse_mountpoint_source(*v);
         if (!source)
             return tl::unexpected(
                 fmt::format("expected \"receiver\" or \"remote\" (got {})", quote(*v)));
         out.source = *source;
         return {};
     }},
    {"public", element_bool<&mnt::is_public>},
    {"identifier", element_text<&mnt::identifier, text_cap, true, R"("Graz")">},
    {"country",
     [](const toml::node& node, mnt& out) -> tl::expected<void, std::string> {
         auto v = string_of(node, R"("AUT")");
         if (!v)
             return tl::unexpected(v.error());
         if (auto ok = check_country(*v); !ok)
             return ok;
         out.country = std::string{*v};
         return {};
     }},
    {"latitude", element_degrees<&mnt::latitude, 90, "47.07">},
    {"longitude", element_degrees<&mnt::longitude, 180, "15.44">},
    {"nav_system", element_text<&mnt::nav_system, text_cap, true, R"("GPS+GLO+GAL+BDS")">},
    {"network", element_text<&mnt::network, text_cap, false, R"("Cairn")">},
    {"carrier", element_integer<&mnt::carrier, 0, 2>},
    {"format_details", element_text<&mnt::format_details, long_cap, false, "\"1005(10),1077(1)\"">},
    {"bitrate", element_integer<&mnt::bitrate, 0, max_str_bitrate>},
    {"misc", element_text<&mnt::misc, long_cap, false, R"("")">},
    {"messages",
     [](const toml::node& node, mnt& out) -> tl::expected<void, std::string> {
         auto v = string_of(node, R"x("1005(10),1077,1087,1097,1127,1230(5)")x");
         if (!v)
             return tl::unexpected(v.error());
         auto list = parse_message_list(*v);
         if (!list)
             return tl::unexpected(list.error());
         out.messages = std::move(*list);
         return {};
     }},
}};

// Reads one element table into out by rules; false when it reported any problem.
template <typename T, std::size_t N>
bool read_element(const std::array<element_key<T>, N>& rules, std::string_view prefix,
                  std::string_view header, const toml::table& table, T& out, first_error& errors)
{
    const auto before = errors.count();
    for (auto&& [key, node] : table) {
        const auto full_key = fmt::format("{}.{}", prefix, display_key(key.str()));
        const auto* k = find_rule(rules, key.str());
        if (k == nullptr) {
            errors.add(key.source(), full_key,
                       fmt::format("unknown key {} in {}; valid keys: {}", quote(key.str()), header,
                                   names_of(rules, "", "")));
            continue;
        }
        if (auto ok = k->apply(node, out); !ok)
            errors.add(node.source(), full_key, std::move(ok.error()));
    }
    return errors.count() == before;
}

// Calls read(index, table) for each table in the array at key, or reports why it is not
// an array of at most max tables.
template <typename Read>
void for_each_table(const toml::node& node, std::string_view key, std::size_t max,
                    first_error& errors, Read read)
{
    const auto* array = node.as_array();
    if (array == nullptr) {
        errors.add(node.source(), std::string{key},
                   fmt::format("expected an array of tables, written [[{}]], got {}", key,
                               type_name(node.type())));
        return;
    }
    for (std::size_t i = 0; i < array->size(); ++i) {
        const auto& element = (*array)[i];
        if (i == max) {
            errors.add(element.source(), std::string{key},
                       fmt::format("more than {} entries", max));
            return;
        }
        const auto* table = element.as_table();
        if (table == nullptr) {
            errors.add(element.source(), fmt::format("{}[{}]", key, i),
                       fmt::format("expected a table, got {}", type_name(element.type())));
            continue;
        }
        read(i, *table);
    }
}

// Where a key of element is, or the element itself when the key is absent.
const toml::source_region& where(const toml::table& element, std::string_view key)
{
    const auto* node = element.get(key);
    return node != nullptr ? node->source() : element.source();
}

// Two listeners that could not both bind: the same address, or the same family's
// wildcard (IPV6_V6ONLY decides whether "::" also takes IPv4, so that pair is allowed).
bool same_socket(const listener_settings& a, const listener_settings& b)
{
    if (a.port != b.port)
        return false;
    const bool a6 = a.address.find(':') != std::string::npos;
    const bool b6 = b.address.find(':') != std::string::npos;
    if (a6 != b6)
        return false;
    const std::string_view any = a6 ? "::" : "0.0.0.0";
    return a.address == b.address || a.address == any || b.address == any;
}

std::string endpoint(const listener_settings& l)
{
    return l.address.find(':') != std::string::npos ? fmt::format("[{}]:{}", l.address, l.port)
                                                    : fmt::format("{}:{}", l.address, l.port);
}

void read_listeners(const toml::node& node, std::string_view key, settings& s, first_error& errors)
{
    for_each_table(node, key, cas::max_listeners, errors, [&](std::size_t i, const toml::table& t) {
        const auto prefix = fmt::format("{}[{}]", key, i);
        lst l;
        if (!read_element(listener_keys, prefix, "[[caster.listener]]", t, l, errors))
            return;
        const auto fail = [&](std::string_view k, std::string message) {
            errors.add(where(t, k), fmt::format("{}.{}", prefix, k), std::move(message));
        };
        if (t.get("port") == nullptr)
            return fail("port", "missing: every listener needs a port, such as 2101");
        if (!l.tls) {
            for (const std::string_view k : {"certificate", "key", "names"})
                if (t.get(k) != nullptr)
                    return fail(k, fmt::format("{} is only for a TLS listener (tls = true)", k));
        }
        if (l.certificate.empty() != l.key.empty())
            return fail(l.certificate.empty() ? "key" : "certificate",
                        "certificate and key go together: give both, or neither for a "
                        "generated self-signed certificate");
        if (!l.certificate.empty() && !l.names.empty())
            return fail("names", "names are for a generated certificate; a given certificate "
                                 "carries its own");
        for (std::size_t j = 0; j < s.caster.listeners.size(); ++j)
            if (same_socket(s.caster.listeners[j], l))
                return fail("port",
                            fmt::format("{} overlaps {}[{}] ({}): each listener needs "
                                        "its own address and port",
                                        endpoint(l), key, j, endpoint(s.caster.listeners[j])));
        s.caster.listeners.push_back(std::move(l));
    });
}

void read_mountpoints(const toml::node& node, std::string_view key, settings& s,
                      first_error& errors)
{
    for_each_table(
        node, key, cas::max_mountpoints, errors, [&](std::size_t i, const toml::table& t) {
            const auto prefix = fmt::format("{}[{}]", key, i);
            mnt m;
            if (!read_element(mountpoint_keys, prefix, "[[caster.mountpoint]]", t, m, errors))
                return;
            const auto fail = [&](std::string_view k, std::string message) {
                errors.add(where(t, k), fmt::format("{}.{}", prefix, k), std::move(message));
            };
            if (t.get("name") == nullptr)
                return fail("name", "missing: every mountpoint needs a name, such as \"BASE1\"");
            // Rovers pick the nearest base by the sourcetable position: no default makes sense.
            for (const std::string_view k : {"latitude", "longitude"})
                if (t.get(k) == nullptr)
                    return fail(k, fmt::format("missing: the sourcetable needs the base's {} in "
                                               "degrees (2 decimals are published)",
                                               k));
            if (m.latitude == 0 && m.longitude == 0)
                return fail("latitude", "latitude and longitude are both 0 (not set?); give the "
                                        "base's position");
            if (t.get("identifier") == nullptr)
                m.identifier = m.name;
            if (m.messages)
                for (auto& w : warnings(*m.messages))
                    s.warnings.push_back(error{errors.file(), where(t, "messages").begin.line,
                                               where(t, "messages").begin.column,
                                               fmt::format("{}.messages", prefix), std::move(w)}
                                             .to_string());
            for (std::size_t j = 0; j < s.caster.mountpoints.size(); ++j)
                if (s.caster.mountpoints[j].name == m.name)
                    return fail("name", fmt::format("mountpoint {} is already defined by {}[{}]",
                                                    quote(m.name), key, j));
            s.caster.mountpoints.push_back(std::move(m));
        });
}

constexpr std::array<array_rule, 2> caster_arrays{{
    {"listener", read_listeners},
    {"mountpoint", read_mountpoints},
}};

// Every table the file may hold. A new table is a key_rule array and one line here.
const std::array<table_rule, 6> tables{{
    {"receiver", receiver_rules(), {}},
    {"station", station_rules(), {}},
    {"daemon", daemon_keys, {}},
    {"limits", limits_keys, {}},
    {"audit", audit_keys, {}},
    {"caster", caster_keys, caster_arrays},
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

namespace {

toml::table caster_table(const caster_settings& c)
{
    toml::table out{
        {"server_name", c.server_name},
        {"chunked", c.chunked},
        {"header_timeout", format_duration(c.header_timeout)},
        {"idle_timeout", format_duration(c.idle_timeout)},
        {"client_queue_bytes", std::int64_t{c.client_queue_bytes}},
        {"client_queue_age", format_duration(c.client_queue_age)},
        {"listen_backlog", std::int64_t{c.listen_backlog}},
        {"fanout_threads", std::int64_t{c.fanout_threads}},
    };
    toml::array listeners;
    for (const auto& l : c.listeners) {
        toml::table t{{"address", l.address}, {"port", std::int64_t{l.port}}, {"tls", l.tls}};
        if (l.chunked)
            t.insert("chunked", *l.chunked);
        if (!l.certificate.empty())
            t.insert("certificate", l.certificate);
        if (!l.key.empty())
            t.insert("key", l.key);
        if (!l.names.empty()) {
            toml::array names;
            for (const auto& n : l.names)
                names.push_back(n);
            t.insert("names", std::move(names));
        }
        listeners.push_back(std::move(t));
    }
    toml::array mountpoints;
    for (const auto& m : c.mountpoints)
        mountpoints.push_back(toml::table{
            {"name", m.name},
            {"source", to_string(m.source)},
            {"public", m.is_public},
            {"identifier", m.identifier},
            {"country", m.country},
            {"latitude", m.latitude},
            {"longitude", m.longitude},
            {"nav_system", m.nav_system},
            {"network", m.network},
            {"carrier", std::int64_t{m.carrier}},
            {"format_details", m.format_details},
            {"bitrate", std::int64_t{m.bitrate}},
            {"misc", m.misc},
        });
    for (std::size_t i = 0; i < c.mountpoints.size(); ++i)
        if (c.mountpoints[i].messages)
            mountpoints[i].as_table()->insert("messages", to_string(*c.mountpoints[i].messages));
    // An empty array would print as "listener = []"; leaving it out reads back the same.
    if (!listeners.empty())
        out.insert("listener", std::move(listeners));
    if (!mountpoints.empty())
        out.insert("mountpoint", std::move(mountpoints));
    return out;
}

} // namespace

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
