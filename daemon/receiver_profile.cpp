// SPDX-License-Identifier: GPL-3.0-or-later
// Maps [receiver]/[station] settings onto a UBX base profile and reports the outcome.
#include "daemon/receiver_profile.hpp"

namespace daemon_receiver {

tl::expected<gnss::ubx::base_profile, std::string>
profile_from_settings(const config::settings& s, gnss::ubx::base_mode mode,
                      std::optional<gnss::ubx::fixed_ecef> surveyed)
{
    using gnss::ubx::base_mode;
    const auto& r = s.receiver;
    gnss::ubx::base_profile p;
    p.mode = mode;
    p.msm = r.msm == config::msm_set::msm4 ? gnss::ubx::msm_kind::msm4 : gnss::ubx::msm_kind::msm7;
    p.station_interval_s = r.station_interval_s;
    p.interval_1230_s = r.interval_1230_s;
    p.svin_min_duration_s = static_cast<std::uint32_t>(
        std::chrono::duration_cast<std::chrono::seconds>(r.survey_min_duration).count());
    p.svin_accuracy_limit_m = r.survey_accuracy_m;
    p.monitoring = true;
    if (mode == base_mode::fixed) {
        if (surveyed) {
            p.position = *surveyed;
        } else if (const auto& pos = s.station.position) {
            if (pos->frame == config::station_position::frame_kind::llh)
                p.position = gnss::ubx::fixed_llh{pos->a, pos->b, pos->c};
            else
                p.position = gnss::ubx::fixed_ecef{pos->a, pos->b, pos->c};
        } else {
            return tl::unexpected(std::string(
                "base-fixed needs the antenna position: set [station] position (\"lat lon "
                "height\") or position_ecef in the config, or use the survey-in profile"));
        }
    }
    return p;
}

tl::expected<gnss::ubx::configurator_request, std::string>
request_for(const gnss::ubx::base_profile& p, bool save)
{
    auto values = gnss::ubx::profile_values(p);
    if (!values)
        return tl::unexpected(values.error());
    return gnss::ubx::configurator_request{false, std::move(*values), save};
}

nlohmann::json report(const gnss::ubx::configurator& c)
{
    nlohmann::json j = {
        {"state", gnss::ubx::to_string(c.state())}, {"ok", c.done()}, {"steps", c.steps()}};
    if (c.failed())
        j["reason"] = c.reason();
    if (const auto& id = c.identity())
        j["receiver"] = {
            {"model", id->model()},       {"firmware", id->firmware()},
            {"protocol", id->protocol()}, {"software", id->software},
            {"hardware", id->hardware},   {"supported", gnss::ubx::is_supported_model(*id)}};
    return j;
}

} // namespace daemon_receiver
