// SPDX-License-Identifier: GPL-3.0-or-later
// The control socket protocol: parse and build JSON lines without throwing.
#include "daemon/control_protocol.hpp"

namespace control {

tl::expected<request, std::string> parse_request(std::string_view line)
{
    if (line.size() >= max_request_line)
        return tl::unexpected(std::string("request line too long"));
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object())
        return tl::unexpected(std::string("request is not a JSON object"));
    request req;
    if (auto it = j.find("id"); it != j.end()) {
        if (!it->is_number_integer() && !it->is_string())
            return tl::unexpected(std::string("\"id\" must be an integer or a string"));
        req.id = *it;
    }
    auto v = j.find("v");
    if (v == j.end() || !v->is_number_integer())
        return tl::unexpected(std::string("missing protocol version \"v\""));
    if (v->get<long long>() != protocol_version)
        return tl::unexpected("unsupported protocol version (this cairnd speaks " +
                              std::to_string(protocol_version) + ")");
    auto cmd = j.find("cmd");
    if (cmd == j.end() || !cmd->is_string())
        return tl::unexpected(std::string("missing \"cmd\""));
    const auto& name = cmd->get_ref<const std::string&>();
    if (name == "ping")
        req.cmd = command::ping;
    else if (name == "version")
        req.cmd = command::version;
    else if (name == "status")
        req.cmd = command::status;
    else if (name == "receiver.detect")
        req.cmd = command::receiver_detect;
    else if (name == "receiver.configure")
        req.cmd = command::receiver_configure;
    else
        return tl::unexpected(std::string("unknown command (known: ping, version, status, "
                                          "receiver.detect, receiver.configure)"));
    for (const auto& [key, value] : j.items()) {
        if (key != "v" && key != "cmd" && key != "id" && key != "params")
            return tl::unexpected("unknown field \"" + key.substr(0, 64) + "\"");
    }
    if (auto p = j.find("params"); p != j.end()) {
        if (req.cmd != command::receiver_configure)
            return tl::unexpected(name.substr(0, 64) + " takes no \"params\"");
        if (!p->is_object())
            return tl::unexpected(std::string("\"params\" must be an object"));
        if (p->size() > max_params)
            return tl::unexpected("\"params\" has more than " + std::to_string(max_params) +
                                  " keys");
        for (const auto& [key, value] : p->items())
            if (value.is_structured())
                return tl::unexpected("params." + key.substr(0, 64) +
                                      ": expected a string, number or boolean");
        req.params = *p;
    }
    return req;
}

std::string ok_reply(const request& req, nlohmann::json result)
{
    nlohmann::json j = {{"v", protocol_version}, {"ok", true}, {"result", std::move(result)}};
    if (!req.id.is_null())
        j["id"] = req.id;
    return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

std::string error_reply(const nlohmann::json& id, std::string_view message)
{
    nlohmann::json j = {{"v", protocol_version}, {"ok", false}, {"error", std::string(message)}};
    if (!id.is_null())
        j["id"] = id;
    return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

std::string make_request(std::string_view cmd, nlohmann::json params)
{
    nlohmann::json j = {{"v", protocol_version}, {"cmd", std::string(cmd)}};
    if (!params.is_null())
        j["params"] = std::move(params);
    return j.dump() + "\n";
}

tl::expected<nlohmann::json, std::string> parse_reply(std::string_view line)
{
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object())
        return tl::unexpected(std::string("reply is not a JSON object"));
    auto ok = j.find("ok");
    if (ok == j.end() || !ok->is_boolean())
        return tl::unexpected(std::string("reply has no \"ok\""));
    if (!ok->get<bool>()) {
        auto e = j.find("error");
        return tl::unexpected(e != j.end() && e->is_string() ? e->get<std::string>()
                                                             : std::string("error"));
    }
    auto r = j.find("result");
    if (r == j.end())
        return tl::unexpected(std::string("reply has no \"result\""));
    return *r;
}

} // namespace control
