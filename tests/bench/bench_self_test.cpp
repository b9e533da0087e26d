// SPDX-License-Identifier: GPL-3.0-or-later
// `ntrip_fanout --self-test`: the benchmark's codecs checked against each other before any
// figure is believed (a tracker that never completes an epoch would report 0 % delivery,
// one that completes broken epochs would report lies).
#include "bench_frames.hpp"
#include "timestamped_socket.hpp"

#include <fmt/format.h>

#include <chrono>
#include <thread>

namespace bench {
namespace {

using tcp = net::ip::tcp;

constexpr std::uint64_t sent_ns = 1'000'000'000;
constexpr std::uint64_t now_ns = 1'004'000'000;
constexpr std::uint32_t first_epoch = 7;
constexpr std::uint32_t epochs = 3;

std::vector<std::uint8_t> stream(std::size_t epoch_bytes)
{
    std::vector<std::uint8_t> s;
    for (std::uint32_t e = first_epoch; e < first_epoch + epochs; ++e) {
        const auto epoch = build_epoch(e, epoch_bytes, sent_ns + e);
        s.insert(s.end(), epoch.begin(), epoch.end());
    }
    return s;
}

// Feeds `s` in two parts split at `split`; "" when exactly `want` epochs completed, in order.
std::string check(const std::vector<std::uint8_t>& s, std::size_t split,
                  const std::vector<std::uint32_t>& want, const char* what)
{
    epoch_tracker t;
    std::vector<epoch_tracker::completed> got;
    t.feed(s.data(), split, now_ns, got);
    t.feed(s.data() + split, s.size() - split, now_ns, got);
    if (got.size() != want.size())
        return fmt::format("{}: split {}: {} epochs completed, want {}", what, split, got.size(),
                           want.size());
    for (std::size_t i = 0; i < want.size(); ++i) {
        if (got[i].epoch != want[i] ||
            got[i].latency_ns != static_cast<std::int64_t>(now_ns - (sent_ns + want[i])))
            return fmt::format("{}: split {}: epoch {} latency {}", what, split, got[i].epoch,
                               got[i].latency_ns);
    }
    return "";
}

std::vector<std::uint8_t> chunked(const std::vector<std::uint8_t>& s)
{
    std::vector<std::uint8_t> out;
    std::size_t size = 1;
    for (std::size_t pos = 0; pos < s.size(); size = size * 7 % 613 + 1) {
        const std::size_t n = std::min(size, s.size() - pos);
        const auto head = fmt::format("{:x}\r\n", n);
        out.insert(out.end(), head.begin(), head.end());
        out.insert(out.end(), s.begin() + static_cast<std::ptrdiff_t>(pos),
                   s.begin() + static_cast<std::ptrdiff_t>(pos + n));
        out.push_back('\r');
        out.push_back('\n');
        pos += n;
    }
    return out;
}

// A stamped arrival must lie this close to the time the check reads it (loopback: microseconds).
constexpr std::chrono::seconds max_stamp_age{1};
// Bound on each loopback read of the check.
constexpr std::chrono::seconds stamp_read_timeout{2};
// The kernel turns receive stamps on through deferred work when the first socket asks, so
// a segment sent at once may go unstamped: the check retries this often, this far apart.
constexpr int stamp_attempts = 50;
constexpr std::chrono::milliseconds stamp_retry{10};

// One read through timestamped_socket from a loopback pair, the kernel's stamps on or off;
// "" when the read returned `payload` with an arrival as the stamps' state promises.
std::string check_rx_timestamp(bool enable)
{
    const char* what = enable ? "rx timestamp" : "rx timestamp off";
    net::io_context ioc;
    boost::system::error_code ec;
    tcp::acceptor acceptor(ioc);
    const tcp::endpoint any_port(net::ip::make_address_v4("127.0.0.1"), 0);
    acceptor.open(any_port.protocol(), ec);
    if (!ec)
        acceptor.bind(any_port, ec);
    if (!ec)
        acceptor.listen(1, ec);
    timestamped_socket client(ioc);
    if (!ec)
        client.lowest_layer().open(any_port.protocol(), ec);
    if (!ec && enable)
        client.enable_timestamps(ec);
    if (!ec)
        client.lowest_layer().connect(acceptor.local_endpoint(), ec);
    tcp::socket server(ioc);
    if (!ec)
        acceptor.accept(server, ec);
    if (ec)
        return fmt::format("{}: loopback pair: {}", what, ec.message());

    // A zero-sized read completes without data, as ssl::stream expects of its next layer.
    bool done = false;
    std::size_t got = 1;
    client.async_read_some(net::mutable_buffer(), [&](boost::system::error_code e, std::size_t n) {
        done = true;
        got = n;
        ec = e;
    });
    ioc.run_for(stamp_read_timeout);
    if (!done || ec || got != 0)
        return fmt::format("{}: a zero-sized read did not complete at once", what);

    const std::string payload = "stamp";
    for (int attempt = 1;; ++attempt) {
        net::write(server, net::buffer(payload), ec);
        std::array<char, 16> buf{};
        done = false;
        client.async_read_some(net::buffer(buf), [&](boost::system::error_code e, std::size_t n) {
            done = true;
            got = n;
            ec = e;
        });
        ioc.restart();
        ioc.run_for(stamp_read_timeout);
        if (!done || ec || std::string(buf.data(), got) != payload)
            return fmt::format("{}: read gave {} bytes ({})", what, got,
                               done ? ec.message() : "timed out");
        const auto& rx = client.last_arrival();
        if (rx.stamped != enable ||
            client.unstamped_reads() != std::uint64_t(attempt) - rx.stamped) {
            if (enable && attempt < stamp_attempts) {
                std::this_thread::sleep_for(stamp_retry);
                continue;
            }
            return fmt::format("{}: stamped {}, {} of {} reads without a stamp", what, rx.stamped,
                               client.unstamped_reads(), attempt);
        }
        const auto age = std::chrono::steady_clock::now().time_since_epoch() -
                         std::chrono::nanoseconds(rx.steady_ns);
        if (age < -max_stamp_age || age > max_stamp_age)
            return fmt::format("{}: the arrival is {} ns from now", what,
                               std::chrono::duration_cast<std::chrono::nanoseconds>(age).count());
        return "";
    }
}

} // namespace

std::string self_test()
{
    // The sliced CRC equals the definition at every length and alignment, and gives the
    // catalogue check value (CRC-24Q is CRC-24/LTE-A: "123456789" -> 0xCDE703).
    std::vector<std::uint8_t> noise(97);
    for (std::size_t i = 0; i < noise.size(); ++i)
        noise[i] = static_cast<std::uint8_t>(i * 151 + 7);
    for (std::size_t off = 0; off < 8; ++off)
        for (std::size_t len = 0; off + len <= noise.size(); ++len)
            if (crc24q(noise.data() + off, len) != crc24q_bytewise(noise.data() + off, len))
                return fmt::format("crc24q differs from the definition at offset {} length {}", off,
                                   len);
    const std::uint8_t catalogue[] = {'1', '2', '3', '4', '5', '6', '7', '8', '9'};
    if (crc24q(catalogue, sizeof catalogue) != 0xCDE703)
        return fmt::format("crc24q(\"123456789\") = {:06x}, want cde703", crc24q(catalogue, 9));

    const std::vector<std::uint32_t> all{7, 8, 9};
    for (std::size_t bytes :
         {std::size_t{0}, min_epoch_bytes, min_epoch_bytes + 1, min_epoch_bytes + 7,
          min_epoch_bytes + 8, std::size_t{568}, std::size_t{569}, std::size_t{2048},
          std::size_t{5000}, max_epoch_bytes}) {
        const auto e = build_epoch(1, bytes, 0);
        const std::size_t want = std::max(bytes, min_epoch_bytes);
        if (e.size() != want)
            return fmt::format("build_epoch({}) gave {} bytes, want {}", bytes, e.size(), want);
        if (auto r = check(stream(bytes), 0, all, "sizes"); !r.empty())
            return r;
    }

    const auto s = stream(2048);
    for (std::size_t split = 0; split <= s.size(); ++split)
        if (auto r = check(s, split, all, "plain"); !r.empty())
            return r;

    const auto c = chunked(s);
    for (std::size_t split = 0; split <= c.size(); ++split) {
        chunk_decoder d;
        std::vector<std::uint8_t> out;
        if (!d.feed(c.data(), split, out) || !d.feed(c.data() + split, c.size() - split, out))
            return fmt::format("chunked: split {}: decoder failed", split);
        if (out != s)
            return fmt::format("chunked: split {}: {} bytes out, want {}", split, out.size(),
                               s.size());
    }
    {
        chunk_decoder d;
        std::vector<std::uint8_t> out;
        const std::string bad = "zz\r\n";
        if (d.feed(reinterpret_cast<const std::uint8_t*>(bad.data()), bad.size(), out))
            return "chunked: a non-hex size was accepted";
    }

    // Garbage and a false preamble before the stream (a v1 reply's headers, say).
    std::vector<std::uint8_t> g{'S', 'e', 'r', 'v', 'e', 'r', ':', 0xD3, 0x00, 0x04, 'x', '\r'};
    g.insert(g.end(), s.begin(), s.end());
    if (auto r = check(g, 9, all, "garbage first"); !r.empty())
        return r;

    // A corrupted byte inside the middle epoch loses that epoch and only that one.
    auto broken = s;
    broken[s.size() / 2] ^= 0x40;
    if (auto r = check(broken, s.size() / 3, {7, 9}, "corrupted"); !r.empty())
        return r;

    // A lost frame (cut out whole) breaks its epoch even though every CRC is good.
    auto lost = s;
    const std::size_t filler_start = 2048 + stamp_frame;
    const std::size_t filler_len = ((lost[filler_start + 1] & 3) << 8 | lost[filler_start + 2]) + 6;
    lost.erase(lost.begin() + filler_start, lost.begin() + filler_start + filler_len);
    if (auto r = check(lost, 1, {7, 9}, "lost frame"); !r.empty())
        return r;

    if (base64("u:p") != "dTpw" || base64("user:pass") != "dXNlcjpwYXNz" || base64("ab") != "YWI=")
        return "base64";

    // The arrival latency's clock: the kernel stamps reads when asked, and only then.
    for (bool enable : {true, false})
        if (auto r = check_rx_timestamp(enable); !r.empty())
            return r;
    return "";
}

} // namespace bench
