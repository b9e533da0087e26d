// SPDX-License-Identifier: GPL-3.0-or-later
// Scoped access tokens: ids, secrets, the pepper that keys their stored MACs, and the
// checks and text forms of their fields.
#include "auth/token.hpp"

#include "config/duration.hpp"
#include "config/quote.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace auth {
namespace {

std::string openssl_error(std::string_view what)
{
    const unsigned long e = ERR_get_error();
    std::array<char, 256> buf{};
    if (e != 0)
        ERR_error_string_n(e, buf.data(), buf.size());
    return fmt::format("{}: {}", what, e != 0 ? buf.data() : "unknown OpenSSL error");
}

// n characters of id_alphabet, each from the low 5 bits of one random byte: 32 symbols
// divide 256, so every symbol is equally likely.
tl::expected<std::string, std::string> random_base32(std::size_t n)
{
    std::array<unsigned char, 64> raw{};
    if (n > raw.size() || RAND_bytes(raw.data(), static_cast<int>(n)) != 1)
        return tl::unexpected(openssl_error("cannot get random bytes"));
    std::string out(n, '\0');
    for (std::size_t i = 0; i < n; ++i)
        out[i] = id_alphabet[raw[i] & 0x1f];
    OPENSSL_cleanse(raw.data(), raw.size());
    return out;
}

std::string errno_text()
{
    return std::strerror(errno);
}

// Length of the well-formed UTF-8 sequence at s[i] and its code point, or 0.
std::size_t utf8_sequence(std::string_view s, std::size_t i, char32_t& cp)
{
    const auto b0 = static_cast<unsigned char>(s[i]);
    std::size_t len = 0;
    char32_t min = 0;
    if (b0 < 0x80) {
        cp = b0;
        return 1;
    } else if ((b0 & 0xe0) == 0xc0) {
        len = 2, cp = b0 & 0x1f, min = 0x80;
    } else if ((b0 & 0xf0) == 0xe0) {
        len = 3, cp = b0 & 0x0f, min = 0x800;
    } else if ((b0 & 0xf8) == 0xf0) {
        len = 4, cp = b0 & 0x07, min = 0x10000;
    } else {
        return 0;
    }
    if (i + len > s.size())
        return 0;
    for (std::size_t k = 1; k < len; ++k) {
        const auto b = static_cast<unsigned char>(s[i + k]);
        if ((b & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (b & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return len;
}

// Characters that would make a listing lie about itself: controls (C0, DEL, C1), line
// and paragraph separators, and bidirectional overrides ("Trojan Source").
bool is_unprintable(char32_t cp)
{
    return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || cp == 0x2028 || cp == 0x2029 ||
           (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

tl::expected<void, std::string> check_text(std::string_view what, std::string_view text,
                                           std::size_t max_bytes)
{
    if (text.size() > max_bytes)
        return tl::unexpected(
            fmt::format("{} is longer than {} bytes ({})", what, max_bytes, config::quote(text)));
    for (std::size_t i = 0; i < text.size();) {
        char32_t cp = 0;
        const auto n = utf8_sequence(text, i, cp);
        if (n == 0)
            return tl::unexpected(
                fmt::format("{} is not valid UTF-8 ({})", what, config::quote(text)));
        if (is_unprintable(cp))
            return tl::unexpected(
                fmt::format("{} contains a control character ({})", what, config::quote(text)));
        i += n;
    }
    return {};
}

std::string format_optional_time(const std::optional<time_point>& t, std::string_view none)
{
    return t ? format_time(*t) : std::string(none);
}

template <typename T, typename F> std::string join(const std::vector<T>& items, F&& format)
{
    std::string out;
    for (const auto& item : items) {
        if (!out.empty())
            out += ',';
        out += format(item);
    }
    return out;
}

} // namespace

token_info to_info(const token& t)
{
    return token_info{t.id,      t.label,      t.scopes,    t.expires, t.allow,     t.max_sessions,
                      t.created, t.created_by, t.last_used, t.revoked, t.revoked_by};
}

// ---- secret -------------------------------------------------------------------------

secret::secret(std::string_view text)
    : data_(text.empty() ? nullptr : new char[text.size()]), size_(text.size())
{
    if (size_ != 0)
        std::memcpy(data_.get(), text.data(), size_);
}

secret::secret(secret&& other) noexcept : data_(std::move(other.data_)), size_(other.size_)
{
    other.size_ = 0;
}

secret& secret::operator=(secret&& other) noexcept
{
    if (this != &other) {
        wipe();
        data_ = std::move(other.data_);
        size_ = other.size_;
        other.size_ = 0;
    }
    return *this;
}

secret::~secret()
{
    wipe();
}

void secret::wipe()
{
    if (data_)
        OPENSSL_cleanse(data_.get(), size_);
    data_.reset();
    size_ = 0;
}

// ---- pepper -------------------------------------------------------------------------

pepper::pepper() : key_(new std::uint8_t[pepper_bytes]()) {}

pepper::pepper(pepper&& other) noexcept : key_(std::move(other.key_)) {}

pepper& pepper::operator=(pepper&& other) noexcept
{
    if (this != &other) {
        if (key_)
            OPENSSL_cleanse(key_.get(), pepper_bytes);
        key_ = std::move(other.key_);
    }
    return *this;
}

pepper::~pepper()
{
    if (key_)
        OPENSSL_cleanse(key_.get(), pepper_bytes);
}

std::optional<pepper> pepper::from_bytes(std::span<const std::uint8_t> bytes)
{
    if (bytes.size() != pepper_bytes)
        return std::nullopt;
    pepper p;
    std::memcpy(p.key_.get(), bytes.data(), pepper_bytes);
    return p;
}

tl::expected<pepper, std::string> pepper::load(const std::string& path)
{
    // O_NONBLOCK: a FIFO planted here must not hang start-up before the S_ISREG check.
    const int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return tl::unexpected(fmt::format("cannot open pepper file {}: {}", path, errno_text()));
    struct stat st
    {
    };
    std::string problem;
    if (::fstat(fd, &st) != 0)
        problem = fmt::format("cannot stat pepper file {}: {}", path, errno_text());
    else if (!S_ISREG(st.st_mode))
        problem = fmt::format("pepper file {} is not a regular file", path);
    else if ((st.st_mode & 077) != 0)
        problem = fmt::format("pepper file {} has mode {:04o}; it must be readable by its "
                              "owner only (chmod 600 {})",
                              path, st.st_mode & 07777, path);
    else if (st.st_size != static_cast<off_t>(pepper_bytes))
        problem = fmt::format("pepper file {} has {} bytes, expected {}; it is damaged (tokens "
                              "made with the old pepper cannot be verified any more)",
                              path, st.st_size, pepper_bytes);
    pepper p;
    if (problem.empty()) {
        const auto n = ::read(fd, p.key_.get(), pepper_bytes);
        if (n != static_cast<ssize_t>(pepper_bytes))
            problem = fmt::format("cannot read pepper file {}: {}", path,
                                  n < 0 ? errno_text() : "short read");
    }
    ::close(fd);
    if (!problem.empty())
        return tl::unexpected(problem);
    return p;
}

tl::expected<pepper, std::string> pepper::load_or_create(const std::string& state_dir)
{
    const std::string path = state_dir + "/" + pepper_file;
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) {
        if (errno == EEXIST)
            return load(path); // also a symlink: load's O_NOFOLLOW refuses it
        return tl::unexpected(fmt::format("cannot create pepper file {}: {}", path, errno_text()));
    }
    pepper fresh;
    std::string problem;
    if (RAND_bytes(fresh.key_.get(), static_cast<int>(pepper_bytes)) != 1)
        problem = openssl_error("cannot get random bytes for the pepper");
    else if (::write(fd, fresh.key_.get(), pepper_bytes) != static_cast<ssize_t>(pepper_bytes) ||
             ::fsync(fd) != 0)
        problem = fmt::format("cannot write pepper file {}: {}", path, errno_text());
    ::close(fd);
    if (!problem.empty()) {
        // A partial file would be refused at every later start; leave nothing behind.
        ::unlink(path.c_str());
        return tl::unexpected(problem);
    }
    // The directory entry must survive a crash too, or every token dies with it.
    if (const int dir = ::open(state_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); dir >= 0) {
        ::fsync(dir);
        ::close(dir);
    }
    return load(path);
}

// ---- random values and MACs ---------------------------------------------------------

tl::expected<std::string, std::string> new_token_id()
{
    auto tail = random_base32(token_id_chars - 1);
    if (!tail)
        return tl::unexpected(tail.error());
    return token_id_prefix + *tail;
}

tl::expected<secret, std::string> new_secret()
{
    auto text = random_base32(secret_chars);
    if (!text)
        return tl::unexpected(text.error());
    secret s(*text);
    OPENSSL_cleanse(text->data(), text->size());
    return s;
}

std::vector<std::uint8_t> secret_mac(const pepper& p, std::string_view secret_text)
{
    std::vector<std::uint8_t> mac(mac_bytes);
    unsigned int len = 0;
    const auto key = p.bytes();
    HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
         reinterpret_cast<const unsigned char*>(secret_text.data()), secret_text.size(), mac.data(),
         &len);
    mac.resize(len);
    return mac;
}

bool verify_secret(const pepper& p, std::string_view presented, std::span<const std::uint8_t> mac)
{
    static const std::array<std::uint8_t, mac_bytes> dummy{};
    const auto got = secret_mac(p, presented);
    const bool right_size = mac.size() == mac_bytes && got.size() == mac_bytes;
    const std::uint8_t* want = right_size ? mac.data() : dummy.data();
    const bool same = CRYPTO_memcmp(got.data(), want, mac_bytes) == 0;
    return right_size && same;
}

// ---- checks and text forms ----------------------------------------------------------

bool is_token_id(std::string_view text)
{
    return text.size() == token_id_chars && text[0] == token_id_prefix &&
           std::all_of(text.begin() + 1, text.end(),
                       [](char c) { return id_alphabet.find(c) != std::string_view::npos; });
}

bool is_mountpoint(std::string_view text)
{
    return !text.empty() && text.size() <= max_mountpoint_chars &&
           std::all_of(text.begin(), text.end(), [](char c) {
               return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                      c == '_' || c == '-';
           });
}

tl::expected<void, std::string> check_label(std::string_view label)
{
    return check_text("token label", label, max_label_bytes);
}

tl::expected<void, std::string> check_actor(std::string_view actor)
{
    if (actor.empty())
        return tl::unexpected(std::string("the actor (who did it) is empty"));
    return check_text("actor", actor, max_label_bytes);
}

tl::expected<void, std::string> check_token(const token& t)
{
    if (!is_token_id(t.id))
        return tl::unexpected(fmt::format("token id {} is not '{}' and {} characters of {}",
                                          config::quote(t.id), token_id_prefix, token_id_chars - 1,
                                          id_alphabet));
    if (auto r = check_label(t.label); !r)
        return r;
    if (auto r = check_actor(t.created_by); !r)
        return tl::unexpected("token creator: " + r.error());
    if (t.revoked) {
        if (auto r = check_actor(t.revoked_by); !r)
            return tl::unexpected("token revoker: " + r.error());
    } else if (!t.revoked_by.empty()) {
        return tl::unexpected(std::string("token has a revoker but is not revoked"));
    }
    if (t.scopes.empty() || t.scopes.size() > max_scopes)
        return tl::unexpected(
            fmt::format("a token needs 1 to {} scopes (has {})", max_scopes, t.scopes.size()));
    for (std::size_t i = 0; i < t.scopes.size(); ++i) {
        const auto& s = t.scopes[i];
        if (!is_mountpoint(s.mountpoint) && s.mountpoint != mountpoint_glob)
            return tl::unexpected(
                fmt::format("scope mountpoint {} is not [A-Za-z0-9_-]{{1,{}}} or \"*\"",
                            config::quote(s.mountpoint), max_mountpoint_chars));
        if (std::find(t.scopes.begin(), t.scopes.begin() + static_cast<std::ptrdiff_t>(i), s) !=
            t.scopes.begin() + static_cast<std::ptrdiff_t>(i))
            return tl::unexpected(fmt::format("scope {} is listed twice", format_scope(s)));
    }
    if (t.allow.size() > max_allow_entries)
        return tl::unexpected(fmt::format("a token allows at most {} address blocks (has {})",
                                          max_allow_entries, t.allow.size()));
    for (std::size_t i = 0; i < t.allow.size(); ++i)
        if (std::find(t.allow.begin(), t.allow.begin() + static_cast<std::ptrdiff_t>(i),
                      t.allow[i]) != t.allow.begin() + static_cast<std::ptrdiff_t>(i))
            return tl::unexpected(
                fmt::format("address block {} is listed twice", t.allow[i].to_string()));
    if (t.max_sessions < 1 || t.max_sessions > max_max_sessions)
        return tl::unexpected(
            fmt::format("max sessions must be 1 to {} (got {})", max_max_sessions, t.max_sessions));
    if (t.secret_mac.size() != mac_bytes)
        return tl::unexpected(fmt::format("token secret MAC has {} bytes, expected {}",
                                          t.secret_mac.size(), mac_bytes));
    return {};
}

std::string_view to_string(access a)
{
    return a == access::publish ? "publish" : "read";
}

tl::expected<scope, std::string> parse_scope(std::string_view text, bool allow_glob)
{
    const auto colon = text.find(':');
    if (colon == std::string_view::npos)
        return tl::unexpected(
            fmt::format("scope {} has no access; write MOUNTPOINT:read or MOUNTPOINT:publish",
                        config::quote(text)));
    const auto mount = text.substr(0, colon);
    const auto what = text.substr(colon + 1);
    scope s;
    if (what == "read")
        s.access = access::read;
    else if (what == "publish")
        s.access = access::publish;
    else
        return tl::unexpected(
            fmt::format("scope {}: access must be read or publish", config::quote(text)));
    if (mount == mountpoint_glob) {
        if (!allow_glob)
            return tl::unexpected(fmt::format("scope {}: the mountpoint \"*\" (every "
                                              "mountpoint) must be asked for explicitly",
                                              config::quote(text)));
    } else if (!is_mountpoint(mount)) {
        return tl::unexpected(fmt::format("scope {}: mountpoint must be [A-Za-z0-9_-]{{1,{}}}",
                                          config::quote(text), max_mountpoint_chars));
    }
    s.mountpoint = std::string(mount);
    return s;
}

std::string format_scope(const scope& s)
{
    return fmt::format("{}:{}", s.mountpoint, to_string(s.access));
}

tl::expected<std::optional<time_point>, std::string> parse_expiry(std::string_view text,
                                                                  time_point now)
{
    if (text == "never")
        return std::optional<time_point>{};
    const auto d = config::parse_duration(text);
    if (!d)
        return tl::unexpected("token expiry: " + d.error() + ", or \"never\"");
    return std::optional<time_point>{now + *d};
}

std::string format_time(time_point t)
{
    using namespace std::chrono;
    const auto secs = floor<seconds>(t);
    const auto day = floor<days>(secs);
    const year_month_day ymd{day};
    const hh_mm_ss hms{secs - day};
    return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", static_cast<int>(ymd.year()),
                       static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                       hms.hours().count(), hms.minutes().count(), hms.seconds().count());
}

std::string format_listing(const token_info& t, time_point now)
{
    const char* state = t.revoked                          ? "revoked"
                        : (t.expires && now >= *t.expires) ? "expired"
                                                           : "active";
    return fmt::format("{}  {:<7}  {}  expires {}  allow {}  sessions {}  last used {}  \"{}\"",
                       t.id, state, join(t.scopes, format_scope),
                       format_optional_time(t.expires, "never"),
                       t.allow.empty() ? std::string("any")
                                       : join(t.allow, [](const cidr& c) { return c.to_string(); }),
                       t.max_sessions, format_optional_time(t.last_used, "never"),
                       // A checked label is printable UTF-8: show it as written.
                       check_label(t.label) ? t.label : config::escape(t.label, max_label_bytes));
}

nlohmann::json to_json(const token_info& t)
{
    auto opt_time = [](const std::optional<time_point>& v) {
        return v ? nlohmann::json(format_time(*v)) : nlohmann::json(nullptr);
    };
    nlohmann::json scopes = nlohmann::json::array();
    for (const auto& s : t.scopes)
        scopes.push_back(format_scope(s));
    nlohmann::json allow = nlohmann::json::array();
    for (const auto& c : t.allow)
        allow.push_back(c.to_string());
    return nlohmann::json{{"id", t.id},
                          {"label", t.label},
                          {"scopes", scopes},
                          {"expires", opt_time(t.expires)},
                          {"allow", allow},
                          {"max_sessions", t.max_sessions},
                          {"created", format_time(t.created)},
                          {"created_by", t.created_by},
                          {"last_used", opt_time(t.last_used)},
                          {"revoked", opt_time(t.revoked)},
                          {"revoked_by", t.revoked_by}};
}

} // namespace auth
