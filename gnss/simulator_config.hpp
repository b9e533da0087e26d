// SPDX-License-Identifier: GPL-3.0-or-later
// The simulated F9P's configuration store (RAM, BBR, Flash and default layers) and the
// command handler that answers CFG-VALSET/VALGET/VALDEL, CFG-CFG, CFG-RST and MON-VER the
// way the receiver does. Pure: frames in, frames out, no clock.
#pragma once

#include "gnss/bytes.hpp"
#include "gnss/geodesy.hpp"
#include "gnss/ubx.hpp"
#include "gnss/ubx_cfg.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace gnss {

struct simulator_config_options
{
    std::string model = "ZED-F9P";     // MON-VER MOD=; a model without "F9" has no CFG-VAL*
    std::string firmware = "HPG 1.32"; // MON-VER FWVER=
    std::string protocol{};            // MON-VER PROTVER=; "" = 27.31 for an F9, else 20.30
    // Keys this firmware does not know (to emulate an older one): NAKed like unknown keys.
    std::vector<std::uint32_t> refuse{};
};

class simulator_config
{
public:
    // F9P limits: a VALGET response carries at most 64 values (u-center pages through
    // wildcard polls 64 at a time with `position`, as the real session capture shows).
    static constexpr std::size_t max_valget_values = ubx::max_cfg_keys;
    // CFG-VALGET wildcards (the capture's u-center polls 0x0FFF0000 for "everything"):
    // group bits 16-27 all set = every key; item bits 0-15 all set = every key of a group.
    static constexpr std::uint32_t all_groups_wildcard = 0x0FFF0000;
    static constexpr std::uint32_t all_items_wildcard = 0x0000FFFF;

    explicit simulator_config(simulator_config_options options = {});

    // Answers one UBX message as the receiver does: the frames to send back, in order
    // (empty when the receiver stays silent, e.g. for CFG-RST or a NAV message).
    std::vector<bytes> handle(const ubx::view& cmd);

    // Start-up seeding (not a command): writes `raw` into the layers (ubx::layer_bit bits).
    // False, and nothing written, for an unknown or refused key or a value the key refuses.
    bool set(std::uint32_t key, std::uint64_t raw, std::uint8_t layers = ubx::layer_bit::ram);
    // The value VALGET would read from `from`; nullopt for an unknown or refused key, or a
    // key with nothing stored in that BBR/Flash layer.
    std::optional<std::uint64_t> get(std::uint32_t key, ubx::layer from = ubx::layer::ram) const;
    // RAM value of a key (0 for unknown keys): what the receiver runs with.
    std::uint64_t ram(std::uint32_t key) const;

    // The fixed-mode position the RAM TMODE keys give (ECEF cm + 0.1 mm, or LLH 1e-7 deg +
    // 1e-9 deg and cm + 0.1 mm converted with WGS84), whatever CFG-TMODE-MODE says.
    ecef tmode_position() const;

    // Power cycle (and CFG-RST hardware/software reset): RAM := defaults, overlaid by Flash,
    // then by BBR (BBR wins); a pending transaction is dropped.
    void power_cycle();
    // Counts power cycles and resets, so an owner can tell that one happened in handle().
    std::uint64_t resets() const { return resets_; }
    bool transaction_pending() const { return pending_.has_value(); }
    bool known(std::uint32_t key) const; // in ubx_cfg's table and not refused
    bool is_f9() const;                  // has the configuration interface (protocol 27+)
    bytes mon_ver() const;               // whole MON-VER frame
    const simulator_config_options& options() const { return options_; }

    // The F9P factory value of a table key (HPG 1.32; see the .cpp for the source).
    static std::optional<std::uint64_t> factory_default(std::uint32_t key);
    // Whether the F9P accepts `raw` for `key` (size, E1 ranges, HP parts -99..99, ...).
    static bool valid_value(std::uint32_t key, std::uint64_t raw);

private:
    using store = std::map<std::uint32_t, std::uint64_t>;
    struct transaction_state
    {
        std::uint8_t layers = 0;
        store values; // later writes of a key win, so this stays within the key table
    };

    std::vector<bytes> on_valset(const ubx::view& cmd);
    std::vector<bytes> on_valget(const ubx::view& cmd);
    std::vector<bytes> on_valdel(const ubx::view& cmd);
    std::vector<bytes> on_cfg_cfg(const ubx::view& cmd);
    void on_reset(const ubx::view& cmd);
    void reload(); // RAM := defaults < Flash < BBR
    void write(std::uint32_t key, std::uint64_t raw, std::uint8_t layers);
    std::vector<std::uint32_t> expand(std::uint32_t key) const; // wildcards -> known keys

    simulator_config_options options_;
    store ram_, bbr_, flash_;
    std::optional<transaction_state> pending_;
    std::uint64_t resets_ = 0;
};

// One log line for a command and the answer handle() gave, e.g.
// "VALSET RAM 41 keys: ACK", "VALGET FLASH 2 keys: 1 value, ACK", "MON-VER poll: MON-VER".
std::string describe_exchange(const ubx::view& cmd, const std::vector<bytes>& answer);

} // namespace gnss
