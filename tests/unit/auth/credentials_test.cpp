// SPDX-License-Identifier: GPL-3.0-or-later
// Tests for the Authorization header and v1 SOURCE password parsers. The parser takes a
// whole header value (Beast has already framed it), so there is no byte-split case; the
// real client bytes come from NTRIP-COMPAT.md (str2str, gpsd and curl all send Basic).
#include "auth/credentials.hpp"

#include <doctest/doctest.h>

#include <random>
#include <string>

using auth::credential_kind;
using auth::parse_error;

namespace {

struct good_case
{
    std::string_view header;
    credential_kind kind;
    std::string_view user, password;
};

void check_good(const good_case& c)
{
    CAPTURE(c.header);
    const auto got = auth::parse_authorization(c.header);
    REQUIRE_MESSAGE(got.has_value(), auth::to_string(got.error()));
    CHECK(got->kind == c.kind);
    CHECK(got->user == c.user);
    CHECK(got->password.reveal() == c.password);
}

} // namespace

TEST_CASE("Basic and Bearer values that real clients send are read")
{
    const good_case cases[] = {
        // str2str 2.4.3, gpsd 3.22 and curl 7.88 all send this for user:pass.
        {"Basic dXNlcjpwYXNz", credential_kind::basic, "user", "pass"},
        {"basic dXNlcjpwYXNz", credential_kind::basic, "user", "pass"},
        {"BASIC dXNlcjpwYXNz", credential_kind::basic, "user", "pass"},
        {"Basic   dXNlcjpwYXNz", credential_kind::basic, "user", "pass"},
        {" \tBasic dXNlcjpwYXNz\t ", credential_kind::basic, "user", "pass"},
        // A token as user and secret: c7m2k9q4xz:0123456789abcdefghjkmnpqrs
        {"Basic YzdtMms5cTR4ejowMTIzNDU2Nzg5YWJjZGVmZ2hqa21ucHFycw==", credential_kind::basic,
         "c7m2k9q4xz", "0123456789abcdefghjkmnpqrs"},
        // Split at the FIRST colon: the password may hold colons.
        {"Basic dXNlcjpwOmE6cw==", credential_kind::basic, "user", "p:a:s"},
        // "a:b" (one padding char) and "ab:c" / "a:bc" (none / two).
        {"Basic YTpi", credential_kind::basic, "a", "b"},
        {"Basic YWI6Yw==", credential_kind::basic, "ab", "c"},
        {"Basic YTpiYw==", credential_kind::basic, "a", "bc"},
        // Non-ASCII (UTF-8) passwords are fine ("jo:pässwörd"); user names are ASCII.
        {"Basic am86cMOkc3N3w7ZyZA==", credential_kind::basic, "jo", "p\xc3\xa4ssw\xc3\xb6rd"},
        {"Bearer c7m2k9q4xz.0123456789abcdefghjkmnpqrs", credential_kind::bearer, "c7m2k9q4xz",
         "0123456789abcdefghjkmnpqrs"},
        {"bearer c7m2k9q4xz.abc.def", credential_kind::bearer, "c7m2k9q4xz", "abc.def"},
    };
    for (const auto& c : cases)
        check_good(c);
}

TEST_CASE("malformed values are refused with the right reason and no echo")
{
    const struct
    {
        std::string_view header;
        parse_error want;
    } cases[] = {
        {"", parse_error::unknown_scheme},
        {"Basic", parse_error::unknown_scheme},
        {"Basic ", parse_error::unknown_scheme},
        {"Digest username=\"x\"", parse_error::unknown_scheme},
        {"Basicc dXNlcjpwYXNz", parse_error::unknown_scheme},
        {"Basic\tdXNlcjpwYXNz", parse_error::unknown_scheme},
        {"dXNlcjpwYXNz", parse_error::unknown_scheme},
        {"Basic dXNlcjpwYXN", parse_error::bad_base64},   // not a multiple of 4
        {"Basic dXNlcjpwYXN=", parse_error::bad_base64},  // "user:pas" + nonzero bits
        {"Basic dXNlcjpwYXNz=", parse_error::bad_base64}, // padding where none belongs
        {"Basic dXNl cjpwYXNz", parse_error::bad_base64},
        {"Basic dXNlcjpwYXNz dXNl", parse_error::bad_base64},
        {"Basic dXNlcjpw-XNz", parse_error::bad_base64}, // base64url is not Basic
        {"Basic dXNlcjpwYX==", parse_error::bad_base64},
        {"Basic ====", parse_error::bad_base64},
        {"Basic YQ=a", parse_error::bad_base64},
        {"Basic dXNlcnBhc3M=", parse_error::no_colon},         // "userpass"
        {"Basic OnBhc3M=", parse_error::empty_user},           // ":pass"
        {"Basic dXNlcjo=", parse_error::empty_password},       // "user:"
        {"Basic dQpzZXI6cGFzcw==", parse_error::bad_user},     // "u\nser:pass"
        {"Basic asO2OnB3", parse_error::bad_user},             // "jö:pw": user is ASCII only
        {"Basic dXNlcjpwYQpzcw==", parse_error::bad_password}, // "user:pa\nss"
        {"Basic dXNlcjpwYX9zcw==", parse_error::bad_password}, // DEL
        {"Basic dXNlcjpwYQBzcw==", parse_error::bad_password}, // NUL
        {"Bearer ", parse_error::unknown_scheme},
        {"Bearer abc", parse_error::empty_user}, // no <id>. part
        {"Bearer .abc", parse_error::empty_user},
        {"Bearer abc.", parse_error::empty_password},
        {"Bearer c7m2k9q4xz.ab cd", parse_error::bad_password},
        {"Bearer c7m2!9q4xz.abcd", parse_error::bad_user},
        {"Bearer c7m2k9q4xz.ab\x01", parse_error::bad_password},
    };
    for (const auto& c : cases) {
        CAPTURE(c.header);
        const auto got = auth::parse_authorization(c.header);
        REQUIRE_FALSE(got.has_value());
        CHECK(got.error() == c.want);
        const auto text = auth::to_string(got.error());
        CHECK_FALSE(text.empty());
        CHECK(text.find("dXNl") == std::string_view::npos);
    }
}

TEST_CASE("every limit is exact: header, user and password")
{
    // Header cap: a too-long value is refused before any decoding.
    const std::string pad(auth::max_authorization_chars - 18, ' ');
    CHECK(auth::parse_authorization("Basic dXNlcjpwYXNz" + pad).has_value());
    CHECK(auth::parse_authorization("Basic dXNlcjpwYXNz" + pad + " ").error() ==
          parse_error::too_long);

    const std::string user_max(auth::max_user_chars, 'u');
    const std::string pass_max(auth::max_password_chars, 'p');
    auto basic = [](const std::string& u, const std::string& p) {
        return auth::parse_authorization(auth::basic_authorization(u, p));
    };
    CHECK(basic(user_max, "x").has_value());
    CHECK(basic(user_max + "u", "x").error() == parse_error::user_too_long);
    CHECK(basic("x", pass_max).has_value());
    CHECK(basic("x", pass_max + "p").error() == parse_error::password_too_long);
    // Both at their caps still fit in the header cap.
    CHECK(basic(user_max, pass_max).has_value());
    CHECK(auth::basic_authorization(user_max, pass_max).size() <= auth::max_authorization_chars);

    CHECK(auth::parse_authorization("Bearer " + user_max + "." + pass_max).has_value());
    CHECK(auth::parse_authorization("Bearer " + user_max + "u.x").error() ==
          parse_error::user_too_long);
    CHECK(auth::parse_authorization("Bearer x." + pass_max + "p").error() ==
          parse_error::password_too_long);
}

TEST_CASE("v1 SOURCE passwords: <id>.<secret> or a plain password")
{
    const auto tok = auth::parse_source_password("c7m2k9q4xz.0123456789abcdefghjkmnpqrs");
    REQUIRE(tok.has_value());
    CHECK(tok->kind == credential_kind::source);
    CHECK(tok->user == "c7m2k9q4xz");
    CHECK(tok->password.reveal() == "0123456789abcdefghjkmnpqrs");

    const auto plain = auth::parse_source_password("srvpass"); // str2str's example
    REQUIRE(plain.has_value());
    CHECK(plain->user.empty());
    CHECK(plain->password.reveal() == "srvpass");
    CHECK(auth::parse_source_password("p@ss!word#1").has_value());

    CHECK(auth::parse_source_password("").error() == parse_error::empty_password);
    CHECK(auth::parse_source_password("a b").error() == parse_error::bad_password);
    CHECK(auth::parse_source_password("ab\r").error() == parse_error::bad_password);
    CHECK(auth::parse_source_password(".secret").error() == parse_error::empty_user);
    CHECK(auth::parse_source_password("id.").error() == parse_error::empty_password);
    CHECK(auth::parse_source_password(std::string(auth::max_password_chars + 1, 'p')).error() ==
          parse_error::password_too_long);
    CHECK(auth::parse_source_password(std::string(auth::max_password_chars, 'p')).has_value());
}

TEST_CASE("basic_authorization encodes what parse_authorization reads")
{
    CHECK(auth::basic_authorization("user", "pass") == "Basic dXNlcjpwYXNz");
    CHECK(auth::basic_authorization("a", "b") == "Basic YTpi");
    CHECK(auth::basic_authorization("ab", "c") == "Basic YWI6Yw==");
}

TEST_CASE("random credentials round-trip, and random damage never yields another one")
{
    std::mt19937 rng(1234567); // fixed seed: reproducible
    auto pick = [&](std::size_t lo, std::size_t hi) {
        return lo + static_cast<std::size_t>(rng() % (hi - lo + 1));
    };
    for (int round = 0; round < 3000; ++round) {
        std::string user(pick(1, auth::max_user_chars), ' ');
        for (auto& c : user) {
            do
                c = static_cast<char>(pick(0x20, 0x7e));
            while (c == ':');
        }
        std::string pass(pick(1, auth::max_password_chars), ' ');
        for (auto& c : pass) {
            const auto b = pick(0x20, 0xff);            // no C0 controls ...
            c = static_cast<char>(b == 0x7f ? 'x' : b); // ... and no DEL
        }
        const auto header = auth::basic_authorization(user, pass);
        const auto got = auth::parse_authorization(header);
        REQUIRE(got.has_value());
        CHECK(got->user == user);
        CHECK(got->password.reveal() == pass);

        // Flip one byte of the base64: the result is refused, or it is a credential
        // whose own encoding is exactly the damaged text (strict, canonical base64).
        auto damaged = header;
        const auto at = pick(6, damaged.size() - 1);
        damaged[at] = static_cast<char>(rng());
        const auto again = auth::parse_authorization(damaged);
        if (again) {
            CHECK(auth::basic_authorization(again->user, again->password.reveal()) == damaged);
        }
    }
}
