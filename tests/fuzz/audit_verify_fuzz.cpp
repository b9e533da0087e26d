// SPDX-License-Identifier: GPL-3.0-or-later
// Fuzzes the audit verifier: rows decoded from arbitrary bytes never crash it and its
// verdict is self-consistent; a log generated from the input always verifies, and any
// single change to it is caught at or before the changed row.
#include "auth/audit_chain.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace {

struct reader
{
    const std::uint8_t* p;
    std::size_t n;
    std::uint8_t byte()
    {
        if (n == 0)
            return 0;
        --n;
        return *p++;
    }
    std::string text(std::size_t max)
    {
        std::size_t len = std::min<std::size_t>(byte() % (max + 1), n);
        std::string s(reinterpret_cast<const char*>(p), len);
        p += len;
        n -= len;
        return s;
    }
    std::vector<std::uint8_t> bytes(std::size_t len)
    {
        std::vector<std::uint8_t> v;
        for (std::size_t i = 0; i < len; ++i)
            v.push_back(byte());
        return v;
    }
};

constexpr std::size_t max_rows = 48;
constexpr std::size_t max_field = 24;

void fill_fields(reader& in, auth::audit_row& r)
{
    for (std::string* f :
         {&r.time, &r.category, &r.event, &r.actor, &r.source, &r.object, &r.outcome, &r.details})
        *f = in.text(max_field);
}

auth::audit_digest digest_of(const std::vector<std::uint8_t>& v)
{
    auth::audit_digest d{};
    std::copy_n(v.begin(), std::min(v.size(), d.size()), d.begin());
    return d;
}

void check_consistent(const auth::audit_verdict& v, std::size_t rows)
{
    if (v.ok &&
        (v.fault != auth::audit_fault::none || v.rows_checked != static_cast<std::int64_t>(rows)))
        __builtin_trap();
    if (!v.ok && (v.fault == auth::audit_fault::none || v.reason.empty()))
        __builtin_trap();
    if (v.rows_checked < 0 || v.rows_checked > static_cast<std::int64_t>(rows))
        __builtin_trap();
}

// Rows whose seqs, hashes and MACs the input chooses: mostly right, sometimes not.
void arbitrary(reader& in, const auth::audit_key& k1)
{
    std::vector<auth::audit_row> rows;
    std::size_t n = in.byte() % (max_rows + 1);
    auth::audit_digest prev = auth::audit_genesis_hash();
    auth::audit_key k = k1;
    std::int64_t seq = 0;
    for (std::size_t i = 0; i < n; ++i) {
        auth::audit_row r;
        std::uint8_t how = in.byte();
        seq += how < 200 ? 1 : static_cast<std::int64_t>(how) - 228;
        r.seq = (how & 0x0f) == 0x0f ? INT64_MAX - in.byte() : seq;
        fill_fields(in, r);
        auth::seal_audit_row(r, prev, k);
        if (how % 7 == 0)
            r.hash = in.bytes(in.byte() % 40);
        if (how % 5 == 0)
            r.mac = in.bytes(32);
        prev = digest_of(r.hash);
        k = auth::evolve_audit_key(k);
        rows.push_back(std::move(r));
    }
    for (std::size_t i = in.byte() % 4; i > 0 && rows.size() > 1; --i)
        std::swap(rows[in.byte() % rows.size()], rows[in.byte() % rows.size()]);
    auth::audit_verify_options o;
    for (std::size_t i = in.byte() % 4; i > 0; --i) {
        auth::audit_checkpoint c;
        c.seq = static_cast<std::int8_t>(in.byte());
        c.mac = in.byte() % 2 && !rows.empty() ? digest_of(rows[in.byte() % rows.size()].mac)
                                               : digest_of(in.bytes(32));
        o.checkpoints.push_back(c);
    }
    if (in.byte() % 2)
        o.next_seq = static_cast<std::int8_t>(in.byte());
    if (in.byte() % 2)
        o.last_hash = prev;
    check_consistent(auth::verify_audit_rows(rows, o), rows.size());
    o.initial_key = k1;
    check_consistent(auth::verify_audit_rows(rows, o), rows.size());
}

// An intact log must verify; one changed byte must not.
void generated(reader& in, const auth::audit_key& k1)
{
    std::vector<auth::audit_row> rows;
    std::size_t n = in.byte() % (max_rows + 1);
    auth::audit_digest prev = auth::audit_genesis_hash();
    auth::audit_key k = k1;
    auth::audit_verify_options o;
    o.initial_key = k1;
    for (std::size_t i = 0; i < n; ++i) {
        auth::audit_row r;
        r.seq = static_cast<std::int64_t>(i + 1);
        fill_fields(in, r);
        auth::seal_audit_row(r, prev, k);
        prev = digest_of(r.hash);
        k = auth::evolve_audit_key(k);
        if (in.byte() % 4 == 0)
            o.checkpoints.push_back({r.seq, digest_of(r.mac)});
        rows.push_back(std::move(r));
    }
    o.next_seq = static_cast<std::int64_t>(n + 1);
    o.last_hash = prev;
    auto v = auth::verify_audit_rows(rows, o);
    check_consistent(v, rows.size());
    if (!v.ok)
        __builtin_trap();
    if (n == 0)
        return;

    std::size_t i = in.byte() % n;
    std::uint8_t field = in.byte() % 11;
    std::uint8_t pos = in.byte();
    auth::audit_row& r = rows[i];
    std::string* text[] = {&r.time,   &r.category, &r.event,   &r.actor,
                           &r.source, &r.object,   &r.outcome, &r.details};
    if (field < 8) {
        std::string& s = *text[field];
        if (s.empty())
            s = "x";
        else
            s[pos % s.size()] = static_cast<char>(s[pos % s.size()] ^ 0x01);
    } else if (field == 8) {
        r.hash[pos % r.hash.size()] ^= 0x01;
    } else if (field == 9) {
        r.mac[pos % r.mac.size()] ^= 0x01;
    } else {
        r.seq += pos % 2 ? 1 : -1;
    }
    v = auth::verify_audit_rows(rows, o);
    check_consistent(v, rows.size());
    if (v.ok || !v.first_bad_seq || *v.first_bad_seq > static_cast<std::int64_t>(i + 1))
        __builtin_trap();
    if (field != 9) { // without the key only the MAC goes unchecked
        o.initial_key.reset();
        o.checkpoints.clear();
        o.next_seq.reset();
        o.last_hash.reset();
        if (auth::verify_audit_rows(rows, o).ok)
            __builtin_trap();
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    reader in{data, size};
    std::uint8_t mode = in.byte();
    auth::audit_key key{};
    key[0] = in.byte();
    key[31] = in.byte();
    if (mode % 2)
        arbitrary(in, key);
    else
        generated(in, key);
    return 0;
}
