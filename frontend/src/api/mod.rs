//! The typed client for Carebase's REST API, on `gloo-net` and the shared `api-types`.
//!
//! Every request goes to the same origin under `/api/v1`. Signed-in calls carry the access token
//! as `Authorization: Bearer …`, held only in memory. The app never keeps the refresh token (the
//! replies carry it, but it is ignored): the server also sets it as an HttpOnly cookie, which the
//! browser sends with same-origin requests. When a signed-in call is refused with 401, the client
//! refreshes once and retries.

pub mod admin;
pub mod auth;
pub mod clinical;
pub mod comms;
pub mod health;
pub mod live;
mod loader;
pub mod messaging;
pub mod patients;
pub mod scheduling;

pub use loader::Loader;

use std::cell::RefCell;

use api_types::{ErrorCode, Problem};
use futures::future::{FutureExt, LocalBoxFuture, Shared};
use gloo_net::http::{Method, RequestBuilder, Response};
use leptos::prelude::*;
use serde::de::DeserializeOwned;
use serde::Serialize;
use web_sys::RequestCredentials;

/// Where the API lives, relative to the page's origin.
const BASE: &str = "/api/v1";

/// `{}`: a body whose fields are all optional and left out, such as a refresh request whose
/// token the cookie carries.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct EmptyBody {}

/// The outcome of an API call: the decoded body, or the problem the server (or the network)
/// reported.
pub type ApiResult<T> = Result<T, Problem>;

type RefreshFuture = Shared<LocalBoxFuture<'static, ApiResult<String>>>;

thread_local! {
    /// The refresh in flight, if any, so that concurrent 401s share one refresh.
    static REFRESH_IN_FLIGHT: RefCell<Option<RefreshFuture>> = const { RefCell::new(None) };
}

/// Whether a request carries the access token (and may refresh and retry on 401).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Credentials {
    Anonymous,
    Bearer,
}

/// The API client. It holds the access token in a signal, so that views can react to the session
/// ending (a failed refresh clears it). Cheap to copy.
#[derive(Debug, Clone, Copy)]
pub struct Client {
    access_token: RwSignal<Option<String>>,
    /// Whether the server ended the session for a time without activity (`session_idle`).
    ended_idle: RwSignal<bool>,
}

impl Client {
    pub fn new() -> Self {
        Client {
            access_token: RwSignal::new(None),
            ended_idle: RwSignal::new(false),
        }
    }

    /// Whether the client holds an access token (tracked).
    pub fn has_token(&self) -> bool {
        self.access_token.with(Option::is_some)
    }

    /// The access token (tracked), for the live connection, which signs in again with each new
    /// one.
    pub fn access_token(&self) -> Option<String> {
        self.access_token.get()
    }

    /// The access token now, without tracking it.
    pub fn access_token_untracked(&self) -> Option<String> {
        self.access_token.get_untracked()
    }

    pub fn set_access_token(&self, token: Option<String>) {
        self.access_token.set(token);
    }

    /// Whether the session ended for a time without activity (tracked), as the server said on
    /// a refresh or the app found by its own clock.
    pub fn ended_idle(&self) -> bool {
        self.ended_idle.get()
    }

    pub fn set_ended_idle(&self, ended: bool) {
        self.ended_idle.set(ended);
    }

    /// `GET` a signed-in resource.
    pub async fn get<T: DeserializeOwned>(&self, path: &str) -> ApiResult<T> {
        decode(self.send(Call::new(Method::GET, path)).await?).await
    }

    /// `GET` a signed-in resource with a query string made from `query`; fields that are `None`
    /// are left out.
    pub async fn get_query<Q: Serialize, T: DeserializeOwned>(
        &self,
        path: &str,
        query: &Q,
    ) -> ApiResult<T> {
        self.get(&with_query(path, query)?).await
    }

    /// `GET` a signed-in resource as text, such as a CSV export.
    pub async fn get_text(&self, path: &str) -> ApiResult<String> {
        let response = self.send(Call::new(Method::GET, path)).await?;
        response
            .text()
            .await
            .map_err(|e| client_problem(&format!("The server's reply could not be read: {e}")))
    }

    /// `GET` a file (an archive) as bytes.
    pub async fn get_bytes(&self, path: &str) -> ApiResult<Vec<u8>> {
        let response = self.send(Call::new(Method::GET, path)).await?;
        response
            .binary()
            .await
            .map_err(|e| client_problem(&format!("The server's reply could not be read: {e}")))
    }

    /// `POST` JSON to a signed-in endpoint and read the JSON reply.
    pub async fn post<B: Serialize, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
    ) -> ApiResult<T> {
        let call = Call::new(Method::POST, path).json(body)?;
        decode(self.send(call).await?).await
    }

    /// `POST` JSON to a signed-in endpoint whose reply has no body worth reading.
    pub async fn post_no_content<B: Serialize>(&self, path: &str, body: &B) -> ApiResult<()> {
        let call = Call::new(Method::POST, path).json(body)?;
        self.send(call).await.map(drop)
    }

    /// `POST` to a signed-in endpoint that takes no body, with `If-Match` when a version is
    /// given, and read the JSON reply.
    pub async fn post_empty<T: DeserializeOwned>(
        &self,
        path: &str,
        if_match: Option<i32>,
    ) -> ApiResult<T> {
        let call = Call::new(Method::POST, path).if_match(if_match);
        decode(self.send(call).await?).await
    }

    /// `POST` a file as the request body (`application/octet-stream`) and read the JSON reply.
    /// The browser streams the file from disk; it is never copied into the app's memory.
    pub async fn upload<T: DeserializeOwned>(
        &self,
        path: &str,
        file: &web_sys::Blob,
    ) -> ApiResult<T> {
        let mut call = Call::new(Method::POST, path);
        call.body = Some(CallBody::File(file.clone()));
        decode(self.send(call).await?).await
    }

    /// `PUT` JSON and read the JSON reply.
    pub async fn put<B: Serialize, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
    ) -> ApiResult<T> {
        let call = Call::new(Method::PUT, path).json(body)?;
        decode(self.send(call).await?).await
    }

    /// `PATCH` JSON and read the JSON reply. With a version, the server refuses the change with
    /// 412 if someone else saved in between.
    pub async fn patch<B: Serialize, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
        if_match: Option<i32>,
    ) -> ApiResult<T> {
        let call = Call::new(Method::PATCH, path)
            .json(body)?
            .if_match(if_match);
        decode(self.send(call).await?).await
    }

    /// `DELETE` a resource, with `If-Match` when a version is given.
    pub async fn delete(&self, path: &str, if_match: Option<i32>) -> ApiResult<()> {
        let call = Call::new(Method::DELETE, path).if_match(if_match);
        self.send(call).await.map(drop)
    }

    /// `DELETE` a resource whose reply carries the resource as it now is (an archived patient).
    pub async fn delete_returning<T: DeserializeOwned>(
        &self,
        path: &str,
        if_match: Option<i32>,
    ) -> ApiResult<T> {
        let call = Call::new(Method::DELETE, path).if_match(if_match);
        decode(self.send(call).await?).await
    }

    /// `POST` JSON to an endpoint that needs no access token, such as sign-in. A 401 here is the
    /// answer itself (wrong password, wrong code), never a reason to refresh.
    pub async fn post_anonymous<B: Serialize, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
    ) -> ApiResult<T> {
        let call = Call::new(Method::POST, path).json(body)?.anonymous();
        decode(self.send(call).await?).await
    }

    /// `POST` JSON without an access token, for a reply with no body worth reading.
    pub async fn post_anonymous_no_content<B: Serialize>(
        &self,
        path: &str,
        body: &B,
    ) -> ApiResult<()> {
        let call = Call::new(Method::POST, path).json(body)?.anonymous();
        self.send(call).await.map(drop)
    }

    /// `GET` without an access token, such as an invitation's preview.
    pub async fn get_anonymous<T: DeserializeOwned>(&self, path: &str) -> ApiResult<T> {
        decode(self.send(Call::new(Method::GET, path).anonymous()).await?).await
    }

    /// Trades the refresh cookie for a new access token and keeps it. Concurrent callers share
    /// one request, because a refresh token buys a new pair once and presenting it twice ends
    /// the session. When the server refuses, the access token is cleared: the session is over.
    pub async fn refresh(&self) -> ApiResult<()> {
        let shared = REFRESH_IN_FLIGHT.with(|slot| {
            slot.borrow_mut()
                .get_or_insert_with(|| {
                    async {
                        let result = request_refresh().await;
                        // Done: the next 401 needs a refresh of its own.
                        REFRESH_IN_FLIGHT.with(|slot| slot.borrow_mut().take());
                        result
                    }
                    .boxed_local()
                    .shared()
                })
                .clone()
        });
        match shared.await {
            Ok(token) => {
                self.access_token.set(Some(token));
                Ok(())
            }
            Err(problem) => {
                // Refused: the session is over. A server or network failure may pass, so the
                // token stays for the next attempt.
                if problem.status < 500 {
                    if problem.code == ErrorCode::SessionIdle {
                        self.ended_idle.set(true);
                    }
                    self.access_token.set(None);
                }
                Err(problem)
            }
        }
    }

    /// Sends a request; for signed-in calls refused with 401, refreshes once and retries.
    /// Returns the response only if it succeeded.
    async fn send(&self, call: Call<'_>) -> ApiResult<Response> {
        let token = match call.credentials {
            Credentials::Anonymous => None,
            Credentials::Bearer => self.access_token.get_untracked(),
        };
        let response = fetch(&call, token.as_deref()).await?;
        if response.ok() {
            return Ok(response);
        }
        let problem = problem_from(&response).await;
        if call.credentials == Credentials::Anonymous || !worth_refreshing(&problem) {
            return Err(problem);
        }
        // The access token has expired (or there was none yet): refresh once, then retry.
        self.refresh().await.map_err(|_| problem)?;
        let token = self.access_token.get_untracked();
        let response = fetch(&call, token.as_deref()).await?;
        if response.ok() {
            Ok(response)
        } else {
            Err(problem_from(&response).await)
        }
    }
}

/// What a request carries.
enum CallBody {
    Json(String),
    File(web_sys::Blob),
}

/// One request as the client means to send it.
struct Call<'a> {
    method: Method,
    path: &'a str,
    body: Option<CallBody>,
    if_match: Option<i32>,
    credentials: Credentials,
}

impl<'a> Call<'a> {
    fn new(method: Method, path: &'a str) -> Self {
        Call {
            method,
            path,
            body: None,
            if_match: None,
            credentials: Credentials::Bearer,
        }
    }

    fn json<B: Serialize>(mut self, body: &B) -> ApiResult<Self> {
        self.body = Some(CallBody::Json(to_json(body)?));
        Ok(self)
    }

    fn if_match(mut self, version: Option<i32>) -> Self {
        self.if_match = version;
        self
    }

    fn anonymous(mut self) -> Self {
        self.credentials = Credentials::Anonymous;
        self
    }
}

impl Default for Client {
    fn default() -> Self {
        Self::new()
    }
}

/// A 401 that a fresh access token could fix, as opposed to a wrong password or code.
fn worth_refreshing(problem: &Problem) -> bool {
    problem.status == 401
        && !matches!(
            problem.code,
            ErrorCode::InvalidCredentials | ErrorCode::InvalidMfaCode
        )
}

/// `POST /auth/refresh`, returning the new access token.
async fn request_refresh() -> ApiResult<String> {
    let call = Call::new(Method::POST, "/auth/refresh")
        .json(&EmptyBody {})?
        .anonymous();
    let response = fetch(&call, None).await?;
    if !response.ok() {
        return Err(problem_from(&response).await);
    }
    let tokens: api_types::auth::TokenResponse = decode(response).await?;
    Ok(tokens.access_token)
}

/// `path?query`, from a struct whose `None` fields are left out.
pub(crate) fn with_query<Q: Serialize>(path: &str, query: &Q) -> ApiResult<String> {
    let query = serde_urlencoded::to_string(query).map_err(|e| client_problem(&e.to_string()))?;
    Ok(if query.is_empty() {
        path.to_owned()
    } else {
        format!("{path}?{query}")
    })
}

/// One request, sent with same-origin credentials so that the refresh cookie goes along.
async fn fetch(call: &Call<'_>, access_token: Option<&str>) -> ApiResult<Response> {
    let url = format!("{BASE}{}", call.path);
    let mut builder = RequestBuilder::new(&url)
        .method(call.method.clone())
        .credentials(RequestCredentials::SameOrigin)
        .header("Accept", "application/json, application/problem+json");
    if let Some(token) = access_token {
        builder = builder.header("Authorization", &format!("Bearer {token}"));
    }
    if let Some(version) = call.if_match {
        builder = builder.header("If-Match", &format!("\"{version}\""));
    }
    let request = match &call.body {
        Some(CallBody::Json(body)) => builder
            .header("Content-Type", "application/json")
            .body(body.clone()),
        Some(CallBody::File(file)) => builder
            .header("Content-Type", "application/octet-stream")
            .body(wasm_bindgen::JsValue::from(file.clone())),
        None => builder.build(),
    }
    .map_err(|e| client_problem(&e.to_string()))?;
    request.send().await.map_err(|_| unreachable_problem())
}

/// Decodes a successful JSON reply.
async fn decode<T: DeserializeOwned>(response: Response) -> ApiResult<T> {
    response
        .json::<T>()
        .await
        .map_err(|e| client_problem(&format!("The server's reply could not be read: {e}")))
}

/// Reads a failed reply as problem details, or makes one from the status when the body is not
/// `application/problem+json` (a proxy's error page, say).
async fn problem_from(response: &Response) -> Problem {
    let status = response.status();
    let text = response.text().await.unwrap_or_default();
    serde_json::from_str::<Problem>(&text).unwrap_or_else(|_| {
        let mut problem = Problem::new(ErrorCode::Internal, None);
        problem.status = status;
        problem
    })
}

fn to_json<B: Serialize>(body: &B) -> ApiResult<String> {
    serde_json::to_string(body).map_err(|e| client_problem(&e.to_string()))
}

/// A problem on this side: a request that could not be built or a reply that could not be read.
fn client_problem(detail: &str) -> Problem {
    Problem::new(ErrorCode::Internal, Some(detail.to_owned()))
}

/// The request never got an answer.
fn unreachable_problem() -> Problem {
    Problem::new(
        ErrorCode::ServiceUnavailable,
        Some("Carebase could not be reached. Check your connection and try again.".to_owned()),
    )
}
