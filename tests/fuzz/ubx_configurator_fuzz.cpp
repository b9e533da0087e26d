// SPDX-License-Identifier: GPL-3.0-or-later
// libFuzzer target: the ZED-F9P configurator fed arbitrary byte streams (through the
// framer), forged replies (MON-VER, ACK/NAK, VALGET answers) and clock jumps. It must never
// crash, send more than one frame per event, leave a final state, or loop unboundedly.
#include "gnss/base_profile.hpp"
#include "gnss/framer.hpp"
#include "gnss/ubx_configurator.hpp"

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

namespace {

namespace ubx = gnss::ubx;
using namespace std::chrono_literals;

void check(bool ok)
{
    if (!ok)
        __builtin_trap();
}

// Reads the input front to back; zeros once it runs out.
class input
{
public:
    input(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}
    bool empty() const { return at_ >= size_; }
    std::uint8_t byte() { return empty() ? 0 : data_[at_++]; }
    gnss::byte_view take(std::size_t n)
    {
        n = std::min(n, size_ - std::min(at_, size_));
        const gnss::byte_view out(data_ + at_, n);
        at_ += n;
        return out;
    }

private:
    const std::uint8_t* data_;
    std::size_t size_;
    std::size_t at_ = 0;
};

std::vector<ubx::cfg_value> request_values(std::uint8_t pick)
{
    if (pick % 3 == 0)
        return {};
    if (pick % 3 == 1) {
        ubx::base_profile p;
        p.mode = ubx::base_mode::fixed;
        p.position = ubx::fixed_llh{47.1, 8.5, 500};
        return ubx::profile_values(p).value();
    }
    std::vector<ubx::cfg_value> many; // three chunks
    for (std::uint32_t i = 0; i < 2 * ubx::max_cfg_keys + 3; ++i)
        many.push_back({0x20990000 + i, i & 0xFF});
    return many;
}

struct driver
{
    driver(ubx::configurator cfg, std::vector<ubx::cfg_value> v)
        : c(std::move(cfg)), values(std::move(v))
    {
    }

    ubx::configurator c;
    std::vector<ubx::cfg_value> values;
    std::chrono::steady_clock::time_point now{};
    gnss::bytes last_sent;
    std::size_t events = 0;

    void take(const std::vector<gnss::bytes>& out)
    {
        ++events;
        const bool final = c.done() || c.failed();
        check(out.size() <= 1);
        check(c.failed() == !c.reason().empty());
        check(c.steps().size() < 4 * events + 8); // at most a few lines per event
        for (const auto& f : out) {
            check(!final);
            const auto v = ubx::parse_frame(f);
            check(v.has_value());
            check((v->msg_class == ubx::cls::mon && v->msg_id == ubx::id::mon_ver) ||
                  (v->msg_class == ubx::cls::cfg &&
                   (v->msg_id == ubx::id::cfg_valset || v->msg_id == ubx::id::cfg_valget)));
            last_sent = f;
        }
    }
    void frame(const gnss::bytes& f)
    {
        const auto v = ubx::parse_frame(f);
        if (!v)
            return;
        const bool was_final = c.done() || c.failed();
        const auto state = c.state();
        take(c.on_frame(*v, now));
        if (was_final)
            check(c.state() == state); // done and failed are for good
    }
    // A reply a receiver could plausibly send to what was last written.
    void forge(input& in)
    {
        const auto choice = in.byte();
        const auto sent = ubx::parse_frame(last_sent);
        switch (choice % 4) {
        case 0: {
            const char* models[] = {"ZED-F9P", "NEO-M8P", "ZED-F9R", ""};
            frame(ubx::encode_mon_ver({"EXT CORE",
                                       "00190000",
                                       {"FWVER=HPG 1.32", "PROTVER=27.31",
                                        std::string("MOD=") + models[(choice >> 2) % 4]}}));
            break;
        }
        case 1:
            frame(ubx::encode_ack({(choice & 0x10) != 0, ubx::cls::cfg,
                                   (choice & 0x20) ? ubx::id::cfg_valget : ubx::id::cfg_valset}));
            break;
        case 2:
            if (sent)
                if (const auto q = ubx::decode_valget_poll(*sent)) {
                    ubx::valget_response r{ubx::layer::ram, 0, {}};
                    for (const auto k : q->keys) {
                        const auto it = std::find_if(values.begin(), values.end(),
                                                     [&](const auto& v) { return v.id == k; });
                        r.values.push_back({k, it == values.end() ? 0 : it->raw});
                    }
                    if (!r.values.empty() && (choice & 0x40))
                        r.values[in.byte() % r.values.size()].raw ^= 1;
                    if (const auto f = ubx::encode_valget_response(r))
                        frame(*f);
                }
            break;
        default:
            if (!last_sent.empty())
                frame(last_sent); // our own frame echoed back
            break;
        }
    }
};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    input in(data, size);
    const auto setup = in.byte();
    const auto values = request_values(setup);
    const ubx::configurator_options options{std::chrono::milliseconds(in.byte() * 10),
                                            static_cast<unsigned>(in.byte() % 12)};
    driver d(ubx::configurator({(setup & 0x10) != 0, values, (setup & 0x20) != 0}, options),
             values);
    d.take(d.c.start(d.now));
    gnss::framer framer;
    while (!in.empty()) {
        const auto op = in.byte();
        switch (op % 4) {
        case 0: // time passes (possibly not at all)
            d.now += std::chrono::milliseconds(in.byte() * 20);
            d.take(d.c.on_tick(d.now));
            break;
        case 1: // raw receiver bytes, in the chunk size the input chooses
            framer.feed(in.take(op >> 2), [&](const gnss::frame& fr) {
                if (fr.kind == gnss::frame_kind::ubx)
                    d.frame(gnss::bytes(fr.bytes.begin(), fr.bytes.end()));
            });
            break;
        case 2: // any message class/id with an arbitrary payload
        {
            const auto cls = in.byte();
            const auto id = in.byte();
            d.frame(ubx::make_frame(cls, id, in.take(op >> 2)));
            break;
        }
        default:
            d.forge(in);
            break;
        }
    }
    // With the receiver silent, the machine ends within its retry budget.
    for (int i = 0; i < 1000 && !d.c.done() && !d.c.failed(); ++i) {
        d.now += 60s;
        d.take(d.c.on_tick(d.now));
    }
    check(d.c.done() || d.c.failed());
    return 0;
}
