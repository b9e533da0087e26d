// SPDX-License-Identifier: GPL-3.0-or-later
// The [caster] table: its keys, its [[caster.listener]] and [[caster.mountpoint]] arrays
// with the checks between their entries, and its TOML form.
#include "config/caster_load.hpp"

#include "config/duration.hpp"
#include "config/quote.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <string>
#include <utility>

namespace config::detail {
namespace {

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

} // namespace

std::span<const key_rule> caster_rules()
{
    return caster_keys;
}

std::span<const array_rule> caster_array_rules()
{
    return caster_arrays;
}

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

} // namespace config::detail
