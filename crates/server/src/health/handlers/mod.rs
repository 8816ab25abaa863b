//! The health API, one file per resource.

mod alerts;
mod observations;
mod target_ranges;

pub use target_ranges::ranges_for;

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(observations::metric_definitions)
        .service(observations::record_observations)
        .service(observations::list_observations)
        .service(observations::latest_observations)
        .service(observations::observation_trend)
        .service(observations::export_observations)
        .service(target_ranges::get_target_ranges)
        .service(target_ranges::put_target_ranges)
        .service(alerts::list_alerts)
        .service(alerts::acknowledge_alert);
}
