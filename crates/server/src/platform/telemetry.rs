//! Logs and metrics. Request logs name the route pattern (`/api/v1/patients/{id}`), never the
//! query string or body, so search terms and other PHI never reach a log line.

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::web;
use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounterVec, Opts, Registry, TextEncoder,
};
use tracing_subscriber::EnvFilter;

pub fn init_tracing(format: &str) {
    let filter = EnvFilter::try_from_env("CAREBASE_LOG")
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,sea_orm=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false);
    let result = if format == "json" {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
    // Already initialised (tests start many apps in one process): keep the first.
    drop(result);
}

pub struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    latency: HistogramVec,
}

impl Metrics {
    pub fn new() -> anyhow::Result<Metrics> {
        let registry = Registry::new_custom(Some("carebase".into()), None)?;
        let requests = IntCounterVec::new(
            Opts::new("http_requests_total", "HTTP requests by route and status"),
            &["method", "route", "status"],
        )?;
        let latency = HistogramVec::new(
            HistogramOpts::new("http_request_duration_seconds", "HTTP request latency").buckets(
                vec![
                    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
                ],
            ),
            &["method", "route"],
        )?;
        registry.register(Box::new(requests.clone()))?;
        registry.register(Box::new(latency.clone()))?;
        Ok(Metrics {
            registry,
            requests,
            latency,
        })
    }

    pub fn render(&self) -> String {
        let mut buf = Vec::new();
        let encoder = TextEncoder::new();
        if encoder.encode(&self.registry.gather(), &mut buf).is_err() {
            return String::new();
        }
        String::from_utf8(buf).unwrap_or_default()
    }
}

/// Logs each request by route pattern and records its metrics.
pub async fn observe(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let method = req.method().to_string();
    let metrics = req
        .app_data::<web::Data<Metrics>>()
        .map(|m| m.clone().into_inner());
    let res = next.call(req).await?;
    let route = res
        .request()
        .match_pattern()
        .unwrap_or_else(|| "unmatched".to_owned());
    let status = res.status().as_u16();
    let elapsed = started.elapsed();
    if let Some(m) = metrics {
        m.requests
            .with_label_values(&[method.as_str(), route.as_str(), &status.to_string()])
            .inc();
        m.latency
            .with_label_values(&[method.as_str(), route.as_str()])
            .observe(elapsed.as_secs_f64());
    }
    tracing::info!(
        method = %method,
        route = %route,
        status,
        ms = elapsed.as_secs_f64() * 1000.0,
        "request"
    );
    Ok(res)
}
