// SPDX-License-Identifier: GPL-3.0-or-later
// The simulated F9P's layered configuration store and its UBX command handler.
#include "gnss/simulator_config.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <numbers>

namespace gnss {

namespace {

namespace key {
constexpr std::uint32_t tmode_mode = 0x20030001;
constexpr std::uint32_t tmode_pos_type = 0x20030002;
constexpr std::uint32_t tmode_ecef_x = 0x40030003; // _Y, _Z follow; _X_HP at 0x20030006
constexpr std::uint32_t tmode_ecef_x_hp = 0x20030006;
constexpr std::uint32_t tmode_height = 0x4003000B;
constexpr std::uint32_t tmode_lat_hp = 0x2003000C;
constexpr std::uint32_t tmode_lon_hp = 0x2003000D;
constexpr std::uint32_t tmode_height_hp = 0x2003000E;
constexpr std::uint32_t tmode_lat = 0x40030009;
constexpr std::uint32_t tmode_lon = 0x4003000A;
constexpr std::uint32_t uart1_baudrate = 0x40520001;
constexpr std::uint32_t rate_meas = 0x30210001;
constexpr std::uint32_t rate_nav = 0x30210002;
constexpr std::uint32_t navspg_dynmodel = 0x20110021;
} // namespace key

// Legacy messages the F9P still accepts and the simulator emulates.
constexpr std::uint8_t cfg_cfg_id = 0x09;
constexpr std::uint8_t cfg_rst_id = 0x04;
constexpr std::size_t cfg_cfg_size = 12;                  // clear, save, load masks (X4 each)
constexpr std::size_t cfg_cfg_size_dev = 13;              // ... plus deviceMask
constexpr std::size_t cfg_rst_size = 4;                   // navBbrMask X2, resetMode U1, reserved
constexpr std::uint8_t device_bbr = 0x01;                 // CFG-CFG deviceMask bits
constexpr std::uint8_t device_flash = 0x02 | 0x04 | 0x10; // Flash, EEPROM, SPI flash
// CFG-RST resetMode values that restart the receiver (and so reload the configuration):
// hardware reset now, controlled software reset, hardware reset after shutdown.
constexpr std::uint8_t reset_hardware = 0x00, reset_software = 0x01, reset_after_shutdown = 0x04;

constexpr std::int64_t max_hp_part = 99;        // *_HP keys: -99..99 (0.1 mm, 1e-9 deg)
constexpr std::int64_t max_lat = 900'000'000;   // 1e-7 deg
constexpr std::int64_t max_lon = 1'800'000'000; // 1e-7 deg
constexpr std::uint64_t min_baudrate = 4800;    // F9P UART range
constexpr std::uint64_t max_baudrate = 921'600;
constexpr std::uint64_t min_meas_period_ms = 25; // 40 Hz, the F9P's fastest
constexpr std::uint64_t max_nav_ratio = 127;

bool is_hp_key(std::uint32_t k)
{
    return (k >= 0x20030006 && k <= 0x20030008) || (k >= 0x2003000C && k <= 0x2003000E);
}

bool is_port_protocol_key(std::uint32_t k)
{
    const std::uint32_t group = k & 0xFFFF0000;
    return group == 0x10730000 || group == 0x10740000 || group == 0x10770000 || group == 0x10780000;
}

std::uint64_t size_mask(std::size_t size)
{
    return size >= 8 ? ~std::uint64_t{0} : (std::uint64_t{1} << (8 * size)) - 1;
}

bytes ack(bool accepted, const ubx::view& cmd)
{
    return ubx::encode_ack({accepted, cmd.msg_class, cmd.msg_id});
}

std::vector<bytes> nak(const ubx::view& cmd)
{
    return {ack(false, cmd)};
}

std::string layer_names(std::uint8_t bits)
{
    std::string out;
    const std::pair<std::uint8_t, const char*> names[] = {{ubx::layer_bit::ram, "RAM"},
                                                          {ubx::layer_bit::bbr, "BBR"},
                                                          {ubx::layer_bit::flash, "FLASH"}};
    for (const auto& [bit, name] : names)
        if (bits & bit)
            out += out.empty() ? name : std::string("+") + name;
    return out.empty() ? "none" : out;
}

const char* layer_name(ubx::layer l)
{
    switch (l) {
    case ubx::layer::ram:
        return "RAM";
    case ubx::layer::bbr:
        return "BBR";
    case ubx::layer::flash:
        return "FLASH";
    case ubx::layer::defaults:
        return "DEFAULT";
    }
    return "?";
}

const char* action_name(ubx::transaction t)
{
    switch (t) {
    case ubx::transaction::none:
        return "";
    case ubx::transaction::begin:
        return " (begin)";
    case ubx::transaction::continue_:
        return " (continue)";
    case ubx::transaction::apply:
        return " (apply)";
    }
    return "";
}

} // namespace

simulator_config::simulator_config(simulator_config_options options) : options_(std::move(options))
{
    reload();
}

// Factory values: those a full CFG-VALGET dump of an unconfigured ZED-F9P HPG 1.32 shows
// (u-center session capture zed-f9p-ucenter-session.ubx, 1475 keys): every TMODE key 0
// (disabled, and SVIN_MIN_DUR / SVIN_ACC_LIMIT 0 too), every MSGOUT rate of the table 0
// (a fresh F9P sends only NMEA), every UBX/NMEA/RTCM3X in and out protocol 1 on UART1 and
// USB, UART1 at 38400 baud, RATE-MEAS 1000 ms, RATE-NAV 1, DYNMODEL 0 (portable).
std::optional<std::uint64_t> simulator_config::factory_default(std::uint32_t k)
{
    if (!ubx::find_key(k))
        return std::nullopt;
    if (is_port_protocol_key(k))
        return 1;
    switch (k) {
    case key::uart1_baudrate:
        return 38'400;
    case key::rate_meas:
        return 1000;
    case key::rate_nav:
        return 1;
    default:
        return 0;
    }
}

bool simulator_config::valid_value(std::uint32_t k, std::uint64_t raw)
{
    const ubx::key_info* info = ubx::find_key(k);
    if (!info || (raw & ~size_mask(ubx::type_size(info->type))) != 0)
        return false;
    const std::int64_t s = ubx::cfg_value{k, raw}.as_signed();
    if (info->type == ubx::value_type::l)
        return raw <= 1;
    if (is_hp_key(k))
        return s >= -max_hp_part && s <= max_hp_part;
    switch (k) {
    case key::tmode_mode:
        return raw <= 2; // disabled, survey-in, fixed
    case key::tmode_pos_type:
        return raw <= 1; // ECEF, LLH
    case key::tmode_lat:
        return s >= -max_lat && s <= max_lat;
    case key::tmode_lon:
        return s >= -max_lon && s <= max_lon;
    case key::uart1_baudrate:
        return raw >= min_baudrate && raw <= max_baudrate;
    case key::rate_meas:
        return raw >= min_meas_period_ms;
    case key::rate_nav:
        return raw >= 1 && raw <= max_nav_ratio;
    case key::navspg_dynmodel:
        // 0 portable, 2 stationary, 3 pedestrian, 4 automotive, 5 sea, 6-8 airborne,
        // 9 wrist, 10 bike; 1 is reserved.
        return raw == 0 || (raw >= 2 && raw <= 10);
    default:
        return true; // the rest of the table: any value of the key's size
    }
}

bool simulator_config::known(std::uint32_t k) const
{
    return ubx::find_key(k) &&
           std::find(options_.refuse.begin(), options_.refuse.end(), k) == options_.refuse.end();
}

bool simulator_config::is_f9() const
{
    return options_.model.find("F9") != std::string::npos;
}

void simulator_config::write(std::uint32_t k, std::uint64_t raw, std::uint8_t layers)
{
    if (layers & ubx::layer_bit::ram)
        ram_[k] = raw;
    if (layers & ubx::layer_bit::bbr)
        bbr_[k] = raw;
    if (layers & ubx::layer_bit::flash)
        flash_[k] = raw;
}

bool simulator_config::set(std::uint32_t k, std::uint64_t raw, std::uint8_t layers)
{
    if (!known(k) || !valid_value(k, raw))
        return false;
    write(k, raw, layers);
    return true;
}

std::optional<std::uint64_t> simulator_config::get(std::uint32_t k, ubx::layer from) const
{
    if (!known(k))
        return std::nullopt;
    const store* s = nullptr;
    switch (from) {
    case ubx::layer::ram:
        s = &ram_;
        break;
    case ubx::layer::bbr:
        s = &bbr_;
        break;
    case ubx::layer::flash:
        s = &flash_;
        break;
    case ubx::layer::defaults:
        return factory_default(k);
    }
    if (!s)
        return std::nullopt;
    auto it = s->find(k);
    return it == s->end() ? std::nullopt : std::optional<std::uint64_t>(it->second);
}

std::uint64_t simulator_config::ram(std::uint32_t k) const
{
    auto it = ram_.find(k);
    return it == ram_.end() ? 0 : it->second;
}

void simulator_config::power_cycle()
{
    reload();
    ++resets_;
}

void simulator_config::reload()
{
    ram_.clear();
    for (const ubx::key_info& k : ubx::key_table())
        ram_[k.id] = *factory_default(k.id);
    for (const auto& [k, v] : flash_)
        ram_[k] = v;
    for (const auto& [k, v] : bbr_)
        ram_[k] = v;
    pending_.reset();
}

ecef simulator_config::tmode_position() const
{
    auto sgn = [&](std::uint32_t k) {
        return static_cast<double>(ubx::cfg_value{k, ram(k)}.as_signed());
    };
    if (ram(key::tmode_pos_type) == 1) {
        const double lat = sgn(key::tmode_lat) * 1e-7 + sgn(key::tmode_lat_hp) * 1e-9;
        const double lon = sgn(key::tmode_lon) * 1e-7 + sgn(key::tmode_lon_hp) * 1e-9;
        const double h = sgn(key::tmode_height) / 100.0 + sgn(key::tmode_height_hp) / 10'000.0;
        return to_ecef(llh{lat, lon, h});
    }
    double v[3];
    for (std::uint32_t i = 0; i < 3; ++i)
        v[i] = sgn(key::tmode_ecef_x + i) / 100.0 + sgn(key::tmode_ecef_x_hp + i) / 10'000.0;
    return {v[0], v[1], v[2]};
}

std::vector<std::uint32_t> simulator_config::expand(std::uint32_t k) const
{
    std::vector<std::uint32_t> out;
    const bool all = (k & all_groups_wildcard) == all_groups_wildcard;
    const bool group = (k & all_items_wildcard) == all_items_wildcard;
    for (const ubx::key_info& info : ubx::key_table())
        if (known(info.id) && (all || (group && ((info.id >> 16) & 0xFF) == ((k >> 16) & 0xFF))))
            out.push_back(info.id);
    std::sort(out.begin(), out.end()); // the receiver answers in key id order
    return out;
}

std::vector<bytes> simulator_config::handle(const ubx::view& cmd)
{
    if (cmd.msg_class == ubx::cls::mon && cmd.msg_id == ubx::id::mon_ver)
        return cmd.payload.empty() ? std::vector<bytes>{mon_ver()} : std::vector<bytes>{};
    if (cmd.msg_class != ubx::cls::cfg)
        return {}; // polls and input of other classes: not emulated, the receiver is silent
    switch (cmd.msg_id) {
    case ubx::id::cfg_valset:
        return is_f9() ? on_valset(cmd) : nak(cmd); // protocol < 27 has no CFG-VAL*
    case ubx::id::cfg_valget:
        return is_f9() ? on_valget(cmd) : nak(cmd);
    case ubx::id::cfg_valdel:
        return is_f9() ? on_valdel(cmd) : nak(cmd);
    case cfg_cfg_id:
        return on_cfg_cfg(cmd);
    case cfg_rst_id:
        on_reset(cmd);
        return {}; // the receiver resets instead of answering
    default:
        // The F9P NAKs CFG messages it does not know. Legacy ones it does know (CFG-MSG,
        // CFG-PRT, CFG-RATE, CFG-TMODE3, ...) are not emulated and NAKed as well.
        return nak(cmd);
    }
}

std::vector<bytes> simulator_config::on_valset(const ubx::view& cmd)
{
    auto v = ubx::decode_valset(cmd);
    if (!v) {
        pending_.reset();
        return nak(cmd);
    }
    // All or nothing: one unknown key or bad value and no value of the message is used.
    // Inside a transaction the whole transaction is abandoned (the host must begin again).
    for (const ubx::cfg_value& c : v->values) {
        if (!known(c.id) || !valid_value(c.id, c.raw)) {
            if (v->action != ubx::transaction::none)
                pending_.reset();
            return nak(cmd);
        }
    }
    switch (v->action) {
    case ubx::transaction::none:
        for (const ubx::cfg_value& c : v->values)
            write(c.id, c.raw, v->layers);
        break;
    case ubx::transaction::begin:
        pending_ = transaction_state{v->layers, {}};
        for (const ubx::cfg_value& c : v->values)
            pending_->values[c.id] = c.raw;
        break;
    case ubx::transaction::continue_:
    case ubx::transaction::apply:
        if (!pending_ || pending_->layers != v->layers) {
            pending_.reset(); // no transaction to continue, or layers changed midway
            return nak(cmd);
        }
        for (const ubx::cfg_value& c : v->values)
            pending_->values[c.id] = c.raw;
        if (v->action == ubx::transaction::apply) {
            for (const auto& [k, raw] : pending_->values)
                write(k, raw, pending_->layers);
            pending_.reset();
        }
        break;
    }
    return {ack(true, cmd)};
}

std::vector<bytes> simulator_config::on_valget(const ubx::view& cmd)
{
    auto poll = ubx::decode_valget_poll(cmd);
    if (!poll)
        return nak(cmd); // also a version-1 "response" sent to the receiver
    std::vector<std::uint32_t> keys;
    for (std::uint32_t k : poll->keys) {
        const bool wildcard = (k & all_groups_wildcard) == all_groups_wildcard ||
                              (k & all_items_wildcard) == all_items_wildcard;
        if (wildcard) {
            auto more = expand(k);
            keys.insert(keys.end(), more.begin(), more.end());
        } else if (!known(k)) {
            return nak(cmd); // one unknown key: no response at all, only ACK-NAK
        } else {
            keys.push_back(k);
        }
    }
    ubx::valget_response r{poll->from, poll->position, {}};
    for (std::size_t i = poll->position; i < keys.size(); ++i) {
        // BBR and Flash hold only what was written there; the F9P leaves the others out
        // of the response (and NAKs when none is left, see below).
        if (auto value = get(keys[i], poll->from))
            r.values.push_back({keys[i], *value});
        if (r.values.size() == max_valget_values)
            break;
    }
    if (r.values.empty())
        return nak(cmd);
    auto frame = ubx::encode_valget_response(r);
    if (!frame)
        return nak(cmd);
    return {*frame, ack(true, cmd)};
}

std::vector<bytes> simulator_config::on_valdel(const ubx::view& cmd)
{
    auto d = ubx::decode_valdel(cmd);
    if (!d)
        return nak(cmd);
    for (std::uint32_t k : d->keys)
        if (!known(k))
            return nak(cmd);
    // VALDEL transactions are applied at once: deleting is idempotent, and Cairn's host
    // side sends one VALDEL per layer set.
    for (std::uint32_t k : d->keys) {
        if (d->layers & ubx::layer_bit::bbr)
            bbr_.erase(k);
        if (d->layers & ubx::layer_bit::flash)
            flash_.erase(k);
    }
    return {ack(true, cmd)};
}

std::vector<bytes> simulator_config::on_cfg_cfg(const ubx::view& cmd)
{
    const byte_view p = cmd.payload;
    if (p.size() != cfg_cfg_size && p.size() != cfg_cfg_size_dev)
        return nak(cmd);
    const std::uint32_t clear = le_u32(p.data()), save = le_u32(p.data() + 4),
                        load = le_u32(p.data() + 8);
    // Without a deviceMask the receiver uses its permanent stores: BBR and Flash.
    const std::uint8_t devices = p.size() == cfg_cfg_size_dev ? p[12] : (device_bbr | 0x02);
    // Any mask bit means the whole configuration (the F9P maps the old sections onto all
    // keys); clear, then save, then load, as the interface description orders them.
    if (clear != 0) {
        if (devices & device_bbr)
            bbr_.clear();
        if (devices & device_flash)
            flash_.clear();
    }
    if (save != 0) {
        if (devices & device_bbr)
            bbr_ = ram_;
        if (devices & device_flash)
            flash_ = ram_;
    }
    if (load != 0)
        reload(); // RAM from the permanent layers, without a restart
    return {ack(true, cmd)};
}

void simulator_config::on_reset(const ubx::view& cmd)
{
    if (cmd.payload.size() != cfg_rst_size)
        return;
    const std::uint8_t mode = cmd.payload[2];
    if (mode == reset_hardware || mode == reset_software || mode == reset_after_shutdown)
        power_cycle();
}

bytes simulator_config::mon_ver() const
{
    ubx::mon_ver v;
    const std::string protocol = !options_.protocol.empty() ? options_.protocol
                                 : is_f9()                  ? "27.31"
                                                            : "20.30";
    if (is_f9()) {
        // The strings of the real ZED-F9P HPG 1.32 in the u-center capture.
        v.software = "EXT CORE 1.00 (0fa0ae)";
        v.hardware = "00190000";
        v.extensions = {"ROM BASE 0x118B2060", "FWVER=" + options_.firmware,
                        "PROTVER=" + protocol, "MOD=" + options_.model,
                        "GPS;GLO;GAL;BDS",     "SBAS;QZSS"};
    } else {
        v.software = "ROM CORE 3.01 (107888)"; // u-blox M8
        v.hardware = "00080000";
        v.extensions = {"FWVER=" + options_.firmware, "PROTVER=" + protocol,
                        "MOD=" + options_.model, "GPS;GLO;GAL;BDS", "SBAS;IMES;QZSS"};
    }
    return ubx::encode_mon_ver(v);
}

std::string describe_exchange(const ubx::view& cmd, const std::vector<bytes>& answer)
{
    std::string what;
    if (auto v = ubx::decode_valset(cmd)) {
        what = fmt::format("VALSET {} {} keys{}", layer_names(v->layers), v->values.size(),
                           action_name(v->action));
    } else if (auto g = ubx::decode_valget_poll(cmd)) {
        what = fmt::format("VALGET {} {} keys", layer_name(g->from), g->keys.size());
        if (g->position != 0)
            what += fmt::format(" from {}", g->position);
    } else if (auto d = ubx::decode_valdel(cmd)) {
        what = fmt::format("VALDEL {} {} keys", layer_names(d->layers), d->keys.size());
    } else if (cmd.msg_class == ubx::cls::mon && cmd.msg_id == ubx::id::mon_ver &&
               cmd.payload.empty()) {
        what = "MON-VER poll";
    } else if (cmd.msg_class == ubx::cls::cfg && cmd.msg_id == cfg_rst_id &&
               cmd.payload.size() == cfg_rst_size) {
        what = fmt::format("CFG-RST mode {}", cmd.payload[2]);
    } else {
        what = fmt::format("{} ({} bytes)", ubx::message_name(cmd.msg_class, cmd.msg_id),
                           cmd.payload.size());
    }
    std::vector<std::string> parts;
    for (const bytes& f : answer) {
        auto v = ubx::parse_frame(f);
        if (!v)
            continue;
        if (v->msg_class == ubx::cls::ack) {
            auto a = ubx::decode_ack(*v);
            parts.emplace_back(!a ? "ACK-?" : a->accepted ? "ACK" : "NAK");
        } else if (auto r = ubx::decode_valget_response(*v)) {
            parts.push_back(
                fmt::format("{} value{}", r->values.size(), r->values.size() == 1 ? "" : "s"));
        } else {
            parts.push_back(ubx::message_name(v->msg_class, v->msg_id));
        }
    }
    std::string reply;
    for (const std::string& p : parts)
        reply += reply.empty() ? p : ", " + p;
    return fmt::format("{}: {}", what, reply.empty() ? "no answer" : reply);
}

} // namespace gnss
