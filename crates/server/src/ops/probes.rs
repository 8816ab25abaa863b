//! Liveness, readiness and metrics, for load balancers and monitoring.

use actix_web::{get, web, HttpResponse};
use api_types::ErrorCode;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::platform::db::ping;
use crate::platform::ApiError;
use crate::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(healthz).service(readyz).service(metrics);
}

/// The process is up.
#[utoipa::path(tag = "ops", responses((status = 200, description = "OK", body = String)))]
#[get("/healthz")]
async fn healthz() -> HttpResponse {
    HttpResponse::Ok().content_type("text/plain").body("ok")
}

/// The process can serve: the database answers.
#[utoipa::path(
    tag = "ops",
    responses((status = 200, description = "Ready", body = String), (status = 503, body = api_types::Problem))
)]
#[get("/readyz")]
async fn readyz(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    if ping(&state.db).await {
        Ok(HttpResponse::Ok().content_type("text/plain").body("ready"))
    } else {
        Err(ApiError::retry_after(ErrorCode::ServiceUnavailable, 5))
    }
}

/// Prometheus metrics: request counts and latencies by route.
#[utoipa::path(tag = "ops", responses((status = 200, description = "Prometheus text format", body = String)))]
#[get("/metrics")]
async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body(state.metrics.render())
}
