// SPDX-License-Identifier: GPL-3.0-or-later
// The ZED-F9P configuration state machine: MON-VER, VALSET, VALGET, save; ACK, timeouts,
// retries and the key-by-key search for a refused key.
#include "gnss/ubx_configurator.hpp"

#include <algorithm>
#include <fmt/format.h>
#include <map>

namespace gnss::ubx {
namespace {

// A protocol below 27 has no CFG-VAL* interface at all (u-blox M8 and older).
constexpr int min_protocol_major = 27;

std::string key_name(std::uint32_t id)
{
    if (const auto* k = find_key(id))
        return std::string(k->name);
    return fmt::format("CFG key 0x{:08X}", id);
}

std::string value_text(const cfg_value& v)
{
    const auto* k = find_key(v.id);
    if (k && is_signed(k->type))
        return std::to_string(v.as_signed());
    return std::to_string(v.as_unsigned());
}

std::string duration_text(std::chrono::milliseconds d)
{
    if (d.count() % 1000 == 0)
        return fmt::format("{} s", d.count() / 1000);
    return fmt::format("{} ms", d.count());
}

// Why a request cannot be sent at all, or "".
std::string check_request(const configurator_request& r)
{
    if (r.values.size() > configurator::max_request_values)
        return fmt::format("{} configuration values requested; at most {} are allowed",
                           r.values.size(), configurator::max_request_values);
    std::map<std::uint32_t, std::uint64_t> seen;
    for (const auto& v : r.values) {
        const auto size = key_value_size(v.id);
        if (!size)
            return fmt::format("{}: the key id has a reserved size code (bits 28-30)",
                               key_name(v.id));
        if (*size < 8 && v.raw >> (8 * *size) != 0)
            return fmt::format("{}: value {} does not fit in {} byte(s)", key_name(v.id), v.raw,
                               *size);
        // The read-back compares one value per key: a key twice with two values cannot pass.
        if (const auto [it, fresh] = seen.emplace(v.id, v.raw); !fresh && it->second != v.raw)
            return fmt::format("{} is requested twice with different values ({} and {})",
                               key_name(v.id), it->second, v.raw);
    }
    return {};
}

int protocol_major(const std::string& protver)
{
    int major = 0;
    for (const char c : protver) {
        if (c < '0' || c > '9')
            break;
        major = major * 10 + (c - '0');
        if (major > 1000)
            break;
    }
    return major;
}

} // namespace

const char* to_string(configurator_state s)
{
    switch (s) {
    case configurator_state::idle:
        return "idle";
    case configurator_state::detecting:
        return "detecting";
    case configurator_state::applying:
        return "applying";
    case configurator_state::verifying:
        return "verifying";
    case configurator_state::saving:
        return "saving";
    case configurator_state::done:
        return "done";
    case configurator_state::failed:
        return "failed";
    }
    return "unknown";
}

bool is_supported_model(const mon_ver& v)
{
    if (v.model().find("F9P") == std::string::npos)
        return false;
    const auto protver = v.protocol();
    return protver.empty() || protocol_major(protver) >= min_protocol_major;
}

configurator::configurator(configurator_request request, configurator_options options)
    : request_(std::move(request)), options_(options)
{
    options_.reply_timeout =
        std::clamp(options_.reply_timeout, configurator_options::min_reply_timeout,
                   configurator_options::max_reply_timeout);
    options_.max_attempts =
        std::clamp(options_.max_attempts, 1u, configurator_options::max_max_attempts);
    options_.save_timeout = std::clamp(options_.save_timeout, options_.reply_timeout,
                                       configurator_options::max_reply_timeout);
}

std::vector<bytes> configurator::start(time_point now)
{
    if (state_ != configurator_state::idle)
        return {};
    if (auto why = check_request(request_); !why.empty())
        return fail(std::move(why) + "; nothing was sent to the receiver");
    state_ = configurator_state::detecting;
    return send(make_frame(cls::mon, id::mon_ver, {}), wait::mon_ver, now);
}

std::vector<bytes> configurator::on_frame(const view& msg, time_point now)
{
    switch (waiting_) {
    case wait::none:
        return {};
    case wait::mon_ver:
        if (const auto v = decode_mon_ver(msg))
            return on_mon_ver(*v, now);
        return {};
    case wait::valset:
        if (const auto a = decode_ack(msg);
            a && a->msg_class == cls::cfg && a->msg_id == id::cfg_valset)
            return on_valset_ack(a->accepted, now);
        return {};
    case wait::valget:
        if (const auto a = decode_ack(msg);
            a && a->msg_class == cls::cfg && a->msg_id == id::cfg_valget) {
            if (!a->accepted)
                return fail(fmt::format(
                    "CFG-VALGET of {} keys refused by the receiver ({}) although it accepted "
                    "them in CFG-VALSET; the settings are active in RAM but unverified, and "
                    "nothing was saved to BBR/Flash",
                    chunk_values(chunk_).size(), receiver_name()));
            valget_acked_ = true;
        } else if (msg.msg_class == cls::cfg && msg.msg_id == id::cfg_valget) {
            // Our own poll echoed back decodes as version 0 and is ignored here, and so is
            // a late answer to an earlier chunk's resent poll (it shares no key with ours).
            const auto r = decode_valget_response(msg);
            if (r && r->from == layer::ram && r->position == 0 && answers_poll(r->values))
                valget_values_ = r->values;
        }
        if (valget_acked_ && valget_values_)
            return on_valget_done(now);
        return {};
    }
    return {};
}

std::vector<bytes> configurator::on_tick(time_point now)
{
    if (waiting_ == wait::none || now < deadline_)
        return {};
    // Some firmware may answer a VALGET without the trailing ACK-ACK: the values are enough.
    if (waiting_ == wait::valget && valget_values_) {
        steps_.push_back("VALGET: response without ACK-ACK, accepted");
        return on_valget_done(now);
    }
    if (attempt_ >= options_.max_attempts)
        return fail(timeout_reason());
    ++attempt_;
    deadline_ = now + reply_timeout();
    valget_values_.reset();
    valget_acked_ = false;
    const auto what = waiting_ == wait::mon_ver  ? "MON-VER poll"
                      : waiting_ == wait::valset ? "CFG-VALSET"
                                                 : "CFG-VALGET";
    steps_.push_back(fmt::format("{}: no reply in {}, resending (attempt {} of {})", what,
                                 duration_text(reply_timeout()), attempt_, options_.max_attempts));
    return {pending_};
}

std::optional<configurator::time_point> configurator::deadline() const
{
    if (waiting_ == wait::none)
        return std::nullopt;
    return deadline_;
}

std::vector<bytes> configurator::send(bytes frame, wait what, time_point now)
{
    if (frame.empty())
        return fail("internal error: a configuration frame could not be encoded");
    pending_ = std::move(frame);
    waiting_ = what;
    deadline_ = now + reply_timeout();
    attempt_ = 1;
    valget_values_.reset();
    valget_acked_ = false;
    return {pending_};
}

std::vector<bytes> configurator::fail(std::string why)
{
    state_ = configurator_state::failed;
    reason_ = std::move(why);
    waiting_ = wait::none;
    pending_.clear();
    return {};
}

std::vector<bytes> configurator::finish()
{
    state_ = configurator_state::done;
    waiting_ = wait::none;
    pending_.clear();
    return {};
}

std::vector<bytes> configurator::on_mon_ver(const mon_ver& v, time_point now)
{
    identity_ = v;
    const auto or_unknown = [](std::string s) { return s.empty() ? std::string("?") : s; };
    steps_.push_back(fmt::format("MON-VER: {} {} PROTVER {}", or_unknown(v.model()),
                                 or_unknown(v.firmware()), or_unknown(v.protocol())));
    if (!is_supported_model(v)) {
        const auto model = v.model().empty() ? std::string("(none reported)") : v.model();
        return fail(fmt::format("unsupported receiver: MOD={} FWVER={} PROTVER={} (Cairn "
                                "configures ZED-F9P only: base time mode and RTCM3 MSM output "
                                "need an F9P with protocol 27 or later); nothing was changed",
                                model, or_unknown(v.firmware()), or_unknown(v.protocol())));
    }
    if (request_.detect_only)
        return finish();
    if (request_.values.empty()) {
        steps_.push_back("nothing to apply");
        return finish();
    }
    state_ = configurator_state::applying;
    chunk_ = 0;
    return next_apply(now);
}

bool configurator::answers_poll(const std::vector<cfg_value>& got) const
{
    const auto polled = chunk_values(chunk_);
    return std::any_of(got.begin(), got.end(), [&](const cfg_value& g) {
        return std::any_of(polled.begin(), polled.end(),
                           [&](const cfg_value& p) { return p.id == g.id; });
    });
}

std::vector<cfg_value> configurator::chunk_values(std::size_t chunk) const
{
    const std::size_t begin = std::min(chunk * max_cfg_keys, request_.values.size());
    const std::size_t end = std::min(begin + max_cfg_keys, request_.values.size());
    return {request_.values.begin() + static_cast<std::ptrdiff_t>(begin),
            request_.values.begin() + static_cast<std::ptrdiff_t>(end)};
}

std::vector<bytes> configurator::next_apply(time_point now)
{
    if (chunk_ * max_cfg_keys >= request_.values.size()) {
        state_ = configurator_state::verifying;
        chunk_ = 0;
        return next_verify(now);
    }
    const auto frame = encode_valset({layer_bit::ram, transaction::none, chunk_values(chunk_)});
    return send(frame.value_or(bytes{}), wait::valset, now);
}

std::vector<bytes> configurator::next_isolate(time_point now)
{
    const auto values = chunk_values(chunk_);
    if (*isolating_ >= values.size()) {
        // Refused together, accepted one by one: RAM now holds every value; the read-back
        // decides whether they really stuck.
        steps_.push_back(fmt::format("VALSET RAM {} keys one by one: all ACK", values.size()));
        isolating_.reset();
        ++chunk_;
        return next_apply(now);
    }
    const auto frame = encode_valset({layer_bit::ram, transaction::none, {values[*isolating_]}});
    return send(frame.value_or(bytes{}), wait::valset, now);
}

std::vector<bytes> configurator::on_valset_ack(bool accepted, time_point now)
{
    const auto values = chunk_values(chunk_);
    if (state_ == configurator_state::saving) {
        if (!accepted)
            return fail(
                fmt::format("the receiver ({}) refused to save {} keys to BBR+Flash (ACK-NAK); the "
                            "settings are active and verified in RAM but will be lost at power-off",
                            receiver_name(), values.size()));
        steps_.push_back(fmt::format("VALSET BBR+Flash {} keys: ACK", values.size()));
        ++chunk_;
        return next_save(now);
    }
    if (accepted) {
        if (isolating_) {
            ++*isolating_;
            return next_isolate(now);
        }
        steps_.push_back(fmt::format("VALSET RAM {} keys: ACK", values.size()));
        ++chunk_;
        return next_apply(now);
    }
    if (!isolating_ && values.size() > 1) {
        steps_.push_back(
            fmt::format("VALSET RAM {} keys: NAK, retrying key by key", values.size()));
        isolating_ = 0;
        return next_isolate(now);
    }
    const auto& bad = values[isolating_.value_or(0)];
    return fail(fmt::format(
        "{} = {} rejected by the receiver ({}): the firmware does not know this key or refuses "
        "the value in this configuration; update to a current HPG firmware or change the "
        "setting. Nothing was saved to BBR/Flash",
        key_name(bad.id), value_text(bad), receiver_name()));
}

std::vector<bytes> configurator::next_verify(time_point now)
{
    if (chunk_ * max_cfg_keys >= request_.values.size()) {
        if (!request_.save)
            return finish();
        state_ = configurator_state::saving;
        chunk_ = 0;
        return next_save(now);
    }
    std::vector<std::uint32_t> keys;
    for (const auto& v : chunk_values(chunk_))
        keys.push_back(v.id);
    const auto frame = encode_valget_poll({layer::ram, 0, std::move(keys)});
    return send(frame.value_or(bytes{}), wait::valget, now);
}

std::vector<bytes> configurator::on_valget_done(time_point now)
{
    const auto wrote = chunk_values(chunk_);
    std::map<std::uint32_t, cfg_value> got;
    for (const auto& v : *valget_values_)
        got.emplace(v.id, v);
    for (const auto& w : wrote) {
        const auto it = got.find(w.id);
        if (it == got.end())
            return fail(fmt::format("{}: wrote {}, but the receiver ({}) did not report it in "
                                    "CFG-VALGET; nothing was saved to BBR/Flash",
                                    key_name(w.id), value_text(w), receiver_name()));
        if (it->second.raw != w.raw)
            return fail(fmt::format(
                "{}: wrote {}, receiver reports {}; another program (u-center?) may be "
                "configuring the receiver at the same time, or the firmware ignores this "
                "value. Nothing was saved to BBR/Flash",
                key_name(w.id), value_text(w), value_text(it->second)));
    }
    steps_.push_back(fmt::format("VALGET RAM {} keys: match", wrote.size()));
    ++chunk_;
    return next_verify(now);
}

std::vector<bytes> configurator::next_save(time_point now)
{
    if (chunk_ * max_cfg_keys >= request_.values.size())
        return finish();
    const auto frame =
        encode_valset({layer_bit::bbr | layer_bit::flash, transaction::none, chunk_values(chunk_)});
    return send(frame.value_or(bytes{}), wait::valset, now);
}

std::string configurator::receiver_name() const
{
    if (!identity_)
        return "receiver";
    const auto model = identity_->model().empty() ? "receiver" : identity_->model();
    const auto fw = identity_->firmware();
    return fw.empty() ? model : fmt::format("{} firmware {}", model, fw);
}

std::chrono::milliseconds configurator::reply_timeout() const
{
    return state_ == configurator_state::saving ? options_.save_timeout : options_.reply_timeout;
}

std::string configurator::timeout_reason() const
{
    const auto tries =
        fmt::format("after {} attempt{} ({} each)", options_.max_attempts,
                    options_.max_attempts == 1 ? "" : "s", duration_text(reply_timeout()));
    switch (state_) {
    case configurator_state::detecting:
        return fmt::format("no reply to the MON-VER poll {}: is the receiver powered, the port "
                           "wired to its UART1 or USB, the baud rate right and UBX input "
                           "enabled? Nothing was changed",
                           tries);
    case configurator_state::applying:
        return fmt::format("no reply to CFG-VALSET (RAM) {}: is the port wired to UART1/USB at "
                           "the right baud rate, with UBX input enabled? Nothing was saved to "
                           "BBR/Flash",
                           tries);
    case configurator_state::verifying:
        return fmt::format("no reply to CFG-VALGET {}: the settings were accepted in RAM but "
                           "could not be read back; nothing was saved to BBR/Flash",
                           tries);
    case configurator_state::saving:
        return fmt::format("no reply to CFG-VALSET (BBR+Flash) {}: the settings are active "
                           "and verified in RAM, but may not survive a power cycle",
                           tries);
    default:
        return fmt::format("no reply {}", tries);
    }
}

} // namespace gnss::ubx
