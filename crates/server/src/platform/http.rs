//! HTTP hardening and plumbing shared by every route: body limits and extractor errors as problem
//! details, security headers, CORS, pagination bounds, `ETag`s, and serving the web app.

use std::path::{Path, PathBuf};

use actix_cors::Cors;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{web, HttpRequest, HttpResponse};
use api_types::page::{DEFAULT_LIMIT, MAX_LIMIT};
use api_types::ErrorCode;
use base64::Engine;
use sha2::{Digest, Sha256};

use super::errors::{self, ApiError};
use super::unreadable;

/// JSON bodies: a size limit, and framework errors as problem details.
pub fn json_config(max_json_bytes: usize) -> web::JsonConfig {
    web::JsonConfig::default()
        .limit(max_json_bytes)
        .error_handler(|e, _| errors::json_error(e).into())
}

/// Reads a JSON body of up to `limit` bytes, for the few endpoints that take more than the
/// usual limit (bulk device data). Same errors as the `Json` extractor; the bytes are returned
/// for the caller to parse.
pub async fn read_json_body(
    req: &actix_web::HttpRequest,
    mut payload: web::Payload,
    limit: usize,
) -> Result<web::Bytes, ApiError> {
    use futures_util::StreamExt;
    let json = req
        .headers()
        .get(actix_web::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !json {
        return Err(ApiError::with_detail(
            api_types::ErrorCode::UnsupportedMediaType,
            "Send the body as application/json.",
        ));
    }
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| ApiError::bad_request(e.to_string()))?;
        if body.len() + chunk.len() > limit {
            return Err(ApiError::code(api_types::ErrorCode::PayloadTooLarge));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

/// Whether the caller's authorization is still being decided, for the request's other
/// extractors: actix polls a handler's extractors together, so without this an unreadable body
/// or query (answered at once) would beat a refusal that needs the database, and tell a caller
/// with no right to the endpoint how to call it. The authorization extractor opens the gate when
/// it has decided, either way; an extractor with an error to report waits for it.
#[derive(Clone, Default)]
pub struct AuthGate(std::rc::Rc<std::cell::Cell<bool>>);

impl AuthGate {
    /// Puts a closed gate on the request; the returned handle opens it (also when dropped).
    pub fn close(req: &HttpRequest) -> AuthGateOpener {
        use actix_web::HttpMessage;
        let gate = AuthGate::default();
        req.extensions_mut().insert(gate.clone());
        AuthGateOpener(gate)
    }

    /// Waits, if the request's authorization is still being decided, until it is.
    async fn passed(req_gate: Option<AuthGate>) {
        let Some(gate) = req_gate else { return };
        std::future::poll_fn(|_| {
            // The handler's extractors share one task: the one deciding authorization is
            // polled again in the same pass that finishes it, so no waker is needed here.
            if gate.0.get() {
                std::task::Poll::Ready(())
            } else {
                std::task::Poll::Pending
            }
        })
        .await
    }
}

/// Opens the request's [`AuthGate`] when dropped.
pub struct AuthGateOpener(AuthGate);

impl Drop for AuthGateOpener {
    fn drop(&mut self) {
        self.0 .0.set(true);
    }
}

fn gate_of(req: &HttpRequest) -> Option<AuthGate> {
    use actix_web::HttpMessage;
    req.extensions().get::<AuthGate>().cloned()
}

/// The JSON body of a request, which must be an object, read as `T`. Size, content type and
/// syntax are checked as for `web::Json` (see `json_config`); a value that cannot be read as `T`
/// is answered with its field named (see `unreadable`).
pub struct Body<T>(pub T);

impl<T> Body<T> {
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> std::ops::Deref for Body<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: serde::de::DeserializeOwned + 'static> actix_web::FromRequest for Body<T> {
    type Error = actix_web::Error;
    type Future = futures_util::future::LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut actix_web::dev::Payload) -> Self::Future {
        let json = web::Json::<serde_json::Value>::from_request(req, payload);
        let gate = gate_of(req);
        Box::pin(async move {
            let read = match json.await {
                Ok(value) if value.is_object() => unreadable::from_json(&value.into_inner())
                    .map(Body)
                    .map_err(|e| ApiError::Unreadable(e).into()),
                Ok(_) => Err(ApiError::Unreadable(unreadable::not_an_object()).into()),
                Err(e) => Err(e),
            };
            if read.is_err() {
                AuthGate::passed(gate).await;
            }
            read
        })
    }
}

/// The query string read as `T`, with the parameter at fault named when it cannot be.
pub struct Query<T>(pub T);

impl<T> Query<T> {
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> std::ops::Deref for Query<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: serde::de::DeserializeOwned + 'static> actix_web::FromRequest for Query<T> {
    type Error = ApiError;
    type Future = futures_util::future::LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let read = unreadable::from_query(req.query_string())
            .map(Query)
            .map_err(ApiError::Unreadable);
        let gate = gate_of(req);
        Box::pin(async move {
            if read.is_err() {
                AuthGate::passed(gate).await;
            }
            read
        })
    }
}

pub fn query_config() -> web::QueryConfig {
    web::QueryConfig::default().error_handler(|e, _| errors::query_error(e).into())
}

pub fn path_config() -> web::PathConfig {
    web::PathConfig::default().error_handler(|e, _| errors::path_error(e).into())
}

/// Validated `limit`/`offset`: a page size above the maximum is refused, not silently cut.
pub fn page_bounds(limit: Option<u64>, offset: Option<u64>) -> Result<(u64, u64), ApiError> {
    page_bounds_up_to(limit, offset, MAX_LIMIT)
}

/// [`page_bounds`] for a list whose pages may hold up to `max`.
pub fn page_bounds_up_to(
    limit: Option<u64>,
    offset: Option<u64>,
    max: u64,
) -> Result<(u64, u64), ApiError> {
    let limit = limit.unwrap_or(DEFAULT_LIMIT);
    if limit == 0 || limit > max {
        return Err(ApiError::field(
            "limit",
            "out_of_range",
            format!("Choose a page size from 1 to {max}."),
        ));
    }
    let offset = offset.unwrap_or(0);
    if offset > 10_000_000 {
        return Err(ApiError::field(
            "offset",
            "out_of_range",
            "Offset is too large.",
        ));
    }
    Ok((limit, offset))
}

/// A strong `ETag` for a record version.
pub fn etag(version: i32) -> String {
    format!("\"{version}\"")
}

/// Checks `If-Match` against the record's current version. Absent means "don't care"; a
/// mismatch means someone else saved first.
pub fn check_if_match(req: &HttpRequest, version: i32) -> Result<(), ApiError> {
    let Some(value) = req.headers().get(header::IF_MATCH) else {
        return Ok(());
    };
    let value = value
        .to_str()
        .map_err(|_| ApiError::bad_request("Invalid If-Match header"))?;
    let current = etag(version);
    let matches = value
        .split(',')
        .map(str::trim)
        .any(|v| v == "*" || v == current || v.trim_start_matches("W/") == current);
    if matches {
        Ok(())
    } else {
        Err(ApiError::with_detail(
            ErrorCode::PreconditionFailed,
            "Reload the record to see the latest changes, then apply yours again.",
        ))
    }
}

/// CORS: the app itself is same-origin; other browser origins must be listed.
pub fn cors(allowed: &[String]) -> Cors {
    let mut c = Cors::default()
        .allowed_methods(["GET", "POST", "PUT", "PATCH", "DELETE"])
        .allowed_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::IF_MATCH,
            header::HeaderName::from_static("idempotency-key"),
        ])
        .expose_headers([header::ETAG, header::RETRY_AFTER])
        .supports_credentials()
        .max_age(600);
    for origin in allowed {
        c = c.allowed_origin(origin);
    }
    c
}

/// The Content-Security-Policy for HTML pages: scripts only from this origin, plus the inline
/// bootstrap scripts of the web app's `index.html`, allowed by hash.
pub fn html_csp(index_html: Option<&str>) -> String {
    let hashes: String = index_html
        .map(inline_script_hashes)
        .unwrap_or_default()
        .iter()
        .map(|h| format!(" 'sha256-{h}'"))
        .collect();
    format!(
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'{hashes}; style-src 'self' 'unsafe-inline'; \
         img-src 'self' data: blob:; media-src 'self' blob:; frame-src blob:; connect-src 'self'; font-src 'self'; object-src 'none'; \
         base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    )
}

fn inline_script_hashes(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find("<script") {
        let after = &rest[start..];
        let Some(open_end) = after.find('>') else {
            break;
        };
        let tag = &after[..open_end];
        let body_start = &after[open_end + 1..];
        let Some(close) = body_start.find("</script>") else {
            break;
        };
        if !tag.contains("src=") {
            let digest = Sha256::digest(&body_start.as_bytes()[..close]);
            out.push(base64::engine::general_purpose::STANDARD.encode(digest));
        }
        rest = &body_start[close..];
    }
    out
}

const API_CSP: &str = "default-src 'none'; frame-ancestors 'none'";

/// Security headers on every response; `no-store` on API responses.
pub async fn security_headers(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let is_api = req.path().starts_with("/api/") && !req.path().starts_with("/api/docs");
    let page_csp = req
        .app_data::<web::Data<HtmlPolicy>>()
        .map(|p| p.csp.clone());
    let hsts = req
        .app_data::<web::Data<HtmlPolicy>>()
        .is_some_and(|p| p.hsts);
    let mut res = next.call(req).await?;
    let headers = res.headers_mut();
    let set = |h: &mut header::HeaderMap, name: &'static str, value: &str| {
        if let Ok(v) = HeaderValue::from_str(value) {
            h.insert(header::HeaderName::from_static(name), v);
        }
    };
    set(headers, "x-content-type-options", "nosniff");
    set(headers, "x-frame-options", "DENY");
    set(headers, "referrer-policy", "no-referrer");
    set(headers, "cross-origin-opener-policy", "same-origin");
    set(
        headers,
        "permissions-policy",
        "camera=(self), microphone=(self), geolocation=()",
    );
    if hsts {
        set(
            headers,
            "strict-transport-security",
            "max-age=63072000; includeSubDomains",
        );
    }
    let is_html = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    let csp = match (is_html, page_csp) {
        (true, Some(csp)) => csp,
        (true, None) => html_csp(None),
        _ => API_CSP.to_owned(),
    };
    set(headers, "content-security-policy", &csp);
    if is_api && !headers.contains_key(header::CACHE_CONTROL) {
        set(headers, "cache-control", "no-store");
    }
    Ok(res)
}

/// What the security-headers middleware needs to know about the HTML this server sends.
pub struct HtmlPolicy {
    pub csp: String,
    pub hsts: bool,
}

/// The built web app, served with a fallback to `index.html` for client-side routes.
#[derive(Clone)]
pub struct Spa {
    pub dir: PathBuf,
}

impl Spa {
    pub fn index_html(&self) -> Option<String> {
        std::fs::read_to_string(self.dir.join("index.html")).ok()
    }

    pub fn files(&self) -> actix_files::Files {
        let index = self.dir.join("index.html");
        actix_files::Files::new("/", &self.dir)
            .index_file("index.html")
            .prefer_utf8(true)
            .default_handler(web::to(move |req: HttpRequest| {
                let index = index.clone();
                async move { spa_fallback(req, &index).await }
            }))
    }
}

impl Spa {
    /// The app's hashed assets (`.wasm`, `.js`, `.css`): the copy compressed at build time that
    /// the browser accepts (Brotli, else gzip), or the file itself; cached for a year, as a new
    /// build has new names.
    pub fn assets(&self) -> actix_web::Resource {
        let dir = self.dir.clone();
        web::resource(r"/{file:[A-Za-z0-9_-][A-Za-z0-9._-]*\.(?:wasm|js|css)}").route(
            web::get().to(move |req: HttpRequest, file: web::Path<String>| {
                let dir = dir.clone();
                async move { asset(&req, &dir, &file).await }
            }),
        )
    }
}

/// Whether the request's `Accept-Encoding` accepts `coding` (and does not refuse it with `q=0`).
fn accepts(req: &HttpRequest, coding: &str) -> bool {
    req.headers()
        .get_all(header::ACCEPT_ENCODING)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|part| {
            let mut it = part.trim().split(';');
            let name = it.next().unwrap_or_default().trim();
            let refused = it.any(|p| {
                p.trim()
                    .strip_prefix("q=")
                    .and_then(|q| q.parse::<f32>().ok())
                    .is_some_and(|q| q <= 0.0)
            });
            name.eq_ignore_ascii_case(coding) && !refused
        })
}

async fn asset(req: &HttpRequest, dir: &Path, file: &str) -> Result<HttpResponse, ApiError> {
    use actix_web::http::header::ContentEncoding;
    let mut chosen = (dir.join(file), None);
    for (suffix, coding, encoding) in [
        ("br", "br", ContentEncoding::Brotli),
        ("gz", "gzip", ContentEncoding::Gzip),
    ] {
        let candidate = dir.join(format!("{file}.{suffix}"));
        if accepts(req, coding) && tokio::fs::metadata(&candidate).await.is_ok() {
            chosen = (candidate, Some(encoding));
            break;
        }
    }
    let named = actix_files::NamedFile::open_async(&chosen.0)
        .await
        .map_err(|_| ApiError::not_found())?;
    let mime = match file.rsplit('.').next() {
        Some("wasm") => "application/wasm",
        Some("js") => "text/javascript; charset=utf-8",
        _ => "text/css; charset=utf-8",
    };
    let mut named = named
        .set_content_type(mime.parse().map_err(|_| ApiError::not_found())?)
        .disable_content_disposition()
        .use_etag(true)
        .use_last_modified(true);
    if let Some(encoding) = chosen.1 {
        named = named.set_content_encoding(encoding);
    }
    let mut res = named.into_response(req);
    res.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=31536000, immutable"),
    );
    res.headers_mut()
        .insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    Ok(res)
}

async fn spa_fallback(req: HttpRequest, index: &Path) -> Result<HttpResponse, ApiError> {
    // The app's own addresses are words and ids; a missing file (`/favicon.ico`, `/robots.txt`)
    // is not one of them, and gets 404 rather than the app's page.
    let last = req.path().rsplit('/').next().unwrap_or_default();
    if req.path().starts_with("/api/") || last.contains('.') {
        return Err(ApiError::not_found());
    }
    let html = tokio::fs::read_to_string(index)
        .await
        .map_err(|e| ApiError::Internal(anyhow::Error::new(e).context("index.html missing")))?;
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .body(html))
}

/// Any path no route matched: a problem, never an HTML page, under `/api`.
pub async fn not_found() -> HttpResponse {
    actix_web::ResponseError::error_response(&ApiError::not_found())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_scripts_are_hashed_and_external_ones_are_not() {
        let html = r#"<script src="/a.js"></script><script type="module">init()</script>"#;
        let h = inline_script_hashes(html);
        assert_eq!(h.len(), 1);
        assert!(html_csp(Some(html)).contains(&h[0]));
    }
}
