// SPDX-License-Identifier: GPL-3.0-or-later
// The ZED-F9P configuration state machine: detect (MON-VER), apply (CFG-VALSET to RAM),
// verify (CFG-VALGET), save (BBR+Flash), each step ACK-checked with timeout and retry.
#pragma once

#include "gnss/ubx.hpp"
#include "gnss/ubx_cfg.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace gnss::ubx {

struct configurator_request
{
    bool detect_only = false;      // only identify the receiver; change nothing
    std::vector<cfg_value> values; // written to RAM, read back, then saved if asked
    bool save = false;             // also write the values to BBR and Flash after verifying
};

struct configurator_options
{
    // A ZED-F9P answers within tens of ms; 1 s covers a busy 9600-baud UART.
    static constexpr std::chrono::milliseconds default_reply_timeout{1000};
    static constexpr unsigned default_max_attempts = 3;
    // Bounds the constructor clamps to, so a bad setting can neither spin nor hang forever.
    static constexpr std::chrono::milliseconds min_reply_timeout{10};
    static constexpr std::chrono::milliseconds max_reply_timeout{60000};
    static constexpr unsigned max_max_attempts = 10;
    // Writing BBR+Flash takes longer than RAM (a flash sector erase and write), so the
    // save waits this long before it resends; never less than reply_timeout.
    static constexpr std::chrono::milliseconds default_save_timeout{3000};

    std::chrono::milliseconds reply_timeout = default_reply_timeout;
    unsigned max_attempts = default_max_attempts;
    std::chrono::milliseconds save_timeout = default_save_timeout;
};

enum class configurator_state : std::uint8_t
{
    idle, // before start()
    detecting,
    applying,
    verifying,
    saving,
    done,
    failed
};
const char* to_string(configurator_state s); // "detecting", ...

// Only F9P-family receivers (MOD= contains "F9P": ZED-F9P, NEO-F9P) have both base
// TMODE and RTCM3 MSM output; F9R (dead reckoning) and F9T (timing) and M8 modules lack
// one or the other, so they are reported and left untouched.
bool is_supported_model(const mon_ver& v);

// Pure: the caller writes the returned frames to the receiver, passes every UBX frame it
// reads to on_frame and calls on_tick periodically (every 100 ms or so).
//
// Each CFG-VALSET (up to max_cfg_keys keys, no transaction) is all-or-nothing on the
// receiver. A profile fits one message, so it applies atomically; longer requests are
// applied chunk by chunk. Only RAM changes until every value has been read back, so a
// failure never reaches BBR/Flash and a power cycle restores the saved configuration.
// An ACK that arrives late, after a resend, can be taken for the next chunk's: the
// VALGET read-back catches any value that did not stick.
class configurator
{
public:
    using clock = std::chrono::steady_clock;
    using time_point = clock::time_point;

    // Requests larger than this are refused in start(): no profile comes close.
    static constexpr std::size_t max_request_values = 1024;

    explicit configurator(configurator_request request, configurator_options options = {});

    // Polls MON-VER. Returns the frames to write (none if the request is invalid: failed).
    std::vector<bytes> start(time_point now);
    // Every UBX frame from the receiver. Unrelated frames (NAV-PVT, RTCM's UBX neighbours)
    // are ignored; ACK/NAK count only for the pending request's class and id.
    std::vector<bytes> on_frame(const view& msg, time_point now);
    // Resends the pending request after reply_timeout (save_timeout while saving), up to
    // max_attempts, then fails.
    std::vector<bytes> on_tick(time_point now);

    configurator_state state() const { return state_; }
    bool done() const { return state_ == configurator_state::done; }
    bool failed() const { return state_ == configurator_state::failed; }
    // Why it failed, in words a person can act on; empty unless failed().
    const std::string& reason() const { return reason_; }
    // What MON-VER said, once detected (also for an unsupported receiver).
    const std::optional<mon_ver>& identity() const { return identity_; }
    // One line per completed step, for the audit record:
    // "MON-VER: ZED-F9P HPG 1.32 PROTVER 27.31", "VALSET RAM 46 keys: ACK", ...
    const std::vector<std::string>& steps() const { return steps_; }
    // When on_tick next has work to do (the pending reply's deadline), if anything waits.
    std::optional<time_point> deadline() const;

private:
    enum class wait : std::uint8_t
    {
        none,
        mon_ver,
        valset,
        valget
    };
    std::vector<bytes> send(bytes frame, wait what, time_point now);
    std::vector<bytes> fail(std::string why);
    std::vector<bytes> on_mon_ver(const mon_ver& v, time_point now);
    std::vector<bytes> on_valset_ack(bool accepted, time_point now);
    std::vector<bytes> on_valget_done(time_point now);
    std::vector<bytes> next_apply(time_point now);
    std::vector<bytes> next_verify(time_point now);
    std::vector<bytes> next_save(time_point now);
    std::vector<bytes> next_isolate(time_point now);
    std::vector<bytes> finish();
    std::vector<cfg_value> chunk_values(std::size_t chunk) const;
    bool answers_poll(const std::vector<cfg_value>& got) const;
    std::string receiver_name() const;
    std::string timeout_reason() const;
    // How long the current step waits for its reply.
    std::chrono::milliseconds reply_timeout() const;

    configurator_request request_;
    configurator_options options_;
    configurator_state state_ = configurator_state::idle;
    std::string reason_;
    std::optional<mon_ver> identity_;
    std::vector<std::string> steps_;

    // The request in flight.
    wait waiting_ = wait::none;
    bytes pending_;
    time_point deadline_{};
    unsigned attempt_ = 0;

    std::size_t chunk_ = 0; // index of the chunk being applied/verified/saved
    // Key-by-key retry of a refused chunk: index into that chunk, or none.
    std::optional<std::size_t> isolating_;
    // VALGET: the receiver sends the response and ACK-ACK, in either order.
    std::optional<std::vector<cfg_value>> valget_values_;
    bool valget_acked_ = false;
};

} // namespace gnss::ubx
