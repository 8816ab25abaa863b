//! The caller's network details: where a request came from, as recorded in sessions and audit
//! events.

use actix_web::dev::Payload;
use actix_web::{web, FromRequest, HttpRequest};

use super::errors::ApiError;

/// Whether the client address is taken from the reverse proxy's `X-Forwarded-For`.
#[derive(Debug, Clone, Copy)]
pub struct ProxyTrust(pub bool);

/// The caller's network details, recorded in sessions and audit events.
#[derive(Debug, Clone, Default)]
pub struct ClientInfo {
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

impl ClientInfo {
    pub fn from_request(req: &HttpRequest, trust_proxy: bool) -> ClientInfo {
        // Behind the reverse proxy, the client is the address the proxy appended last:
        // anything to its left came from the client and could be forged.
        // Every header line counts: a proxy may add a line of its own rather than append.
        let forwarded = trust_proxy
            .then(|| {
                req.headers()
                    .get_all("x-forwarded-for")
                    .filter_map(|v| v.to_str().ok())
                    .last()
            })
            .flatten()
            .and_then(|v| v.rsplit(',').next())
            .map(|a| strip_port(a.trim()))
            .filter(|a| !a.is_empty());
        let ip = forwarded.or_else(|| req.peer_addr().map(|a| a.ip().to_string()));
        let user_agent = req
            .headers()
            .get(actix_web::http::header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(|s| s.chars().take(512).collect());
        ClientInfo { ip, user_agent }
    }
}

fn strip_port(addr: &str) -> String {
    match addr.parse::<std::net::SocketAddr>() {
        Ok(sa) => sa.ip().to_string(),
        Err(_) => addr.to_owned(),
    }
}

impl FromRequest for ClientInfo {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let trust = req.app_data::<web::Data<ProxyTrust>>().is_some_and(|t| t.0);
        std::future::ready(Ok(ClientInfo::from_request(req, trust)))
    }
}
