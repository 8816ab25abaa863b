//! Stopping without dropping anyone: on `SIGTERM` (or Ctrl-C) the process first says it is going
//! (every new request, `/readyz` included, is answered `503` with `Retry-After`, so the reverse
//! proxy sends people to another replica) for `notice`, then stops taking connections and lets
//! the requests in flight finish, for up to the server's shutdown timeout.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServerHandle, ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{web, ResponseError};
use api_types::ErrorCode;

use super::errors::ApiError;

/// Whether this process is on its way out.
#[derive(Clone, Default)]
pub struct Draining(Arc<DrainingInner>);

#[derive(Default)]
pub struct DrainingInner {
    on: AtomicBool,
    told: tokio::sync::Notify,
}

impl Draining {
    pub fn start(&self) {
        self.0.on.store(true, Ordering::SeqCst);
        self.0.told.notify_waiters();
    }

    pub fn is_on(&self) -> bool {
        self.0.on.load(Ordering::SeqCst)
    }

    /// Returns once the process starts stopping (at once if it has), for long-lived
    /// connections that must tell their clients to go elsewhere.
    pub async fn started(&self) {
        let told = self.0.told.notified();
        tokio::pin!(told);
        told.as_mut().enable();
        if self.is_on() {
            return;
        }
        told.await;
    }
}

/// How long a stopping process asks clients to wait before trying again.
const RETRY_AFTER_SECS: u64 = 2;

/// Answers every request `503` with `Retry-After` once the process is stopping, except
/// `/healthz` (the process is alive) and providers' webhooks.
pub async fn refuse_while_draining(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let draining = req
        .app_data::<web::Data<Draining>>()
        .is_some_and(|d| d.is_on());
    // Providers' webhooks are short and some are never sent again (Twilio's inbound SMS): they
    // are still taken.
    let exempt = req.path() == "/healthz" || req.path().starts_with("/api/v1/webhooks/");
    if draining && !exempt {
        let response = ApiError::Coded {
            code: ErrorCode::ServiceUnavailable,
            detail: Some("This server is restarting; try again in a moment.".into()),
            retry_after: Some(RETRY_AFTER_SECS),
        }
        .error_response();
        return Ok(req.into_response(response).map_into_right_body());
    }
    Ok(next.call(req).await?.map_into_left_body())
}

/// Waits for `SIGTERM` or Ctrl-C, then drains: refuses new requests for `notice`, then stops the
/// server gracefully.
pub async fn on_signal(draining: Draining, server: ServerHandle, notice: Duration) {
    wait_for_signal().await;
    tracing::info!(
        notice_secs = notice.as_secs(),
        "stopping: new requests are refused, requests in flight finish"
    );
    draining.start();
    tokio::time::sleep(notice).await;
    server.stop(true).await;
}

async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = tokio::signal::ctrl_c() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
