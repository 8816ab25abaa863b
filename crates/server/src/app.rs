//! Assembling the service: routes (and, from the same calls, the OpenAPI document), middleware,
//! and the web app.

use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::middleware::{from_fn, Compress};
use actix_web::{web, App, HttpServer};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{OpenApi, RefOr, Response};
use utoipa::OpenApi as _;
use utoipa_actix_web::{scope, AppExt};
use utoipa_swagger_ui::SwaggerUi;

use crate::platform::http::{self, HtmlPolicy, Spa};
use crate::platform::telemetry;
use crate::AppState;

#[derive(utoipa::OpenApi)]
#[openapi(
    info(
        title = "Carebase API",
        description = "Practice management and patient care. Every endpoint under `/api/v1` needs a \
            bearer token (an access token from `/api/v1/auth/login`, or an API key) unless it says \
            otherwise; the scopes on each operation name the permissions that allow it. Errors are \
            RFC 9457 problem details with a stable `code`.",
        license(name = "AGPL-3.0-or-later")
    ),
    components(schemas(
        api_types::Problem,
        api_types::ErrorCode,
        api_types::FieldError,
        api_types::Permission,
        api_types::Role,
        api_types::patients::PatientStatusFilter,
        api_types::patients::PatientSort,
        api_types::audit::AuditOutcome,
        api_types::audit::AuditAction,
        api_types::admin::OutboxStatus,
        api_types::documents::Disposition,
        api_types::documents::DocumentKind,
        api_types::notes::NoteType,
        api_types::therapy::HomeworkStatus,
        api_types::sharing::DataRequestStatus,
        api_types::integrations::CredentialSource,
    ))
)]
struct ApiDoc;

/// Registers every route. The OpenAPI document is built from these same registrations.
fn routes<T>(app: utoipa_actix_web::UtoipaApp<T>) -> utoipa_actix_web::UtoipaApp<T>
where
    T: ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse,
        Error = actix_web::Error,
        InitError = (),
    >,
{
    app.configure(crate::ops::configure).service(
        scope("/api/v1")
            .configure(crate::auth::configure)
            .configure(crate::auth::configure_api_keys)
            .configure(crate::users::configure)
            .configure(crate::patients::configure)
            .configure(crate::records::configure)
            .configure(crate::health::configure)
            .configure(crate::clinical::configure)
            .configure(crate::scheduling::configure)
            .configure(crate::audit::configure)
            .configure(crate::comms::configure)
            .configure(crate::settings::configure)
            .configure(crate::integrations::configure),
    )
}

/// The OpenAPI document, finished: security scheme and the standard error responses added.
pub fn openapi() -> OpenApi {
    let (_, api) =
        routes(App::new().into_utoipa_app().openapi(ApiDoc::openapi())).split_for_parts();
    finish(api)
}

fn finish(mut api: OpenApi) -> OpenApi {
    let components = api.components.get_or_insert_with(Default::default);
    components.add_security_scheme(
        "bearer",
        SecurityScheme::Http(
            HttpBuilder::new()
                .scheme(HttpAuthScheme::Bearer)
                .bearer_format("JWT access token, or an API key (cbk_…)")
                .build(),
        ),
    );
    let problem = |description: &str| -> RefOr<Response> {
        RefOr::T(
            utoipa::openapi::ResponseBuilder::new()
                .description(description)
                .content(
                    PROBLEM_JSON,
                    utoipa::openapi::ContentBuilder::new()
                        .schema(Some(utoipa::openapi::Ref::from_schema_name("Problem")))
                        .build(),
                )
                .build(),
        )
    };
    for (path, item) in api.paths.paths.iter_mut() {
        for (writes, op) in [
            (false, &mut item.get),
            (true, &mut item.post),
            (true, &mut item.put),
            (true, &mut item.patch),
            (true, &mut item.delete),
        ]
        .into_iter()
        .filter_map(|(w, op)| op.as_mut().map(|op| (w, op)))
        {
            let secured = op.security.as_ref().is_some_and(|s| !s.is_empty());
            let has_body = op.request_body.is_some();
            let has_query = op
                .parameters
                .iter()
                .flatten()
                .any(|p| matches!(p.parameter_in, utoipa::openapi::path::ParameterIn::Query));
            let responses = &mut op.responses.responses;
            let mut add = |code: &str, desc: &str| {
                responses
                    .entry(code.to_owned())
                    .or_insert_with(|| problem(desc));
            };
            if has_body || has_query {
                add("400", "The request could not be read");
                add("422", "Validation failed; `errors` names each field");
            }
            if has_body {
                add("413", "The body is larger than this endpoint accepts");
                add("415", "The body is not application/json");
            }
            if path.contains('{') {
                add("404", "Not found, or not visible to the caller");
            }
            if secured {
                add("401", "Missing, invalid or expired credentials");
                add("403", "The caller lacks the required permission");
            }
            if path.starts_with("/api/v1/auth/") {
                add(
                    "429",
                    "Too many requests or failed attempts; see Retry-After",
                );
            }
            if path.starts_with("/api/") {
                add("503", "The database is unavailable; retry shortly");
            }
            add("500", "Unexpected error");
            // Nothing is added to, restored in or opened up on an erased patient's record,
            // whether the route names the patient or one of the record's own rows.
            let on_a_patient = path.starts_with("/api/v1/patients/{id}")
                || path == "/api/v1/appointments"
                || path == "/api/v1/users/{id}"
                || ON_A_PATIENTS_ROW.iter().any(|p| path.starts_with(p));
            if writes && on_a_patient {
                const ERASED: &str = "`patient_erased` when the patient's data was erased";
                let general = format!("The change conflicts with the record's state; {ERASED}");
                let conflict = responses
                    .entry("409".to_owned())
                    .or_insert_with(|| problem(&general));
                if let RefOr::T(r) = conflict {
                    if !r.description.contains("erased") {
                        r.description = match r.description.trim() {
                            "" => general,
                            said => format!("{}; {ERASED}", said.trim_end_matches('.')),
                        };
                    }
                }
            }
            // Errors are problem details, whatever the annotation said.
            for (code, response) in responses.iter_mut() {
                if let (true, RefOr::T(r)) = (code.as_str() >= "400", response) {
                    if let Some(content) = r.content.shift_remove("application/json") {
                        r.content.insert(PROBLEM_JSON.to_owned(), content);
                    }
                }
            }
        }
    }
    merge_all_of(api)
}

const PROBLEM_JSON: &str = "application/problem+json";

/// Routes that reach a patient's record through one of its rows' own ids: a change through them
/// is refused, as one through the patient's own path is, once the patient is erased.
const ON_A_PATIENTS_ROW: &[&str] = &[
    "/api/v1/appointments/{id}",
    "/api/v1/notes/{id}",
    "/api/v1/documents/{id}",
    "/api/v1/imaging-studies/{id}",
    "/api/v1/medications/{id}",
    "/api/v1/prescriptions/{id}",
    "/api/v1/therapy-sessions/{id}",
    "/api/v1/homework/{id}",
    "/api/v1/assessments/{id}",
    "/api/v1/alerts/{id}",
    "/api/v1/messages/threads",
    "/api/v1/correspondence/{id}/retry",
    "/api/v1/correspondence/{id}/assign",
];

/// Rewrites schemas composed with `allOf` of plain objects (from `#[serde(flatten)]`) into one
/// object, so that a member's `additionalProperties: false` doesn't forbid the other members'
/// fields and generated clients get one flat type.
fn merge_all_of(api: OpenApi) -> OpenApi {
    let Ok(mut doc) = serde_json::to_value(&api) else {
        return api;
    };
    let schemas = doc["components"]["schemas"].clone();
    let Some(map) = doc["components"]["schemas"].as_object_mut() else {
        return api;
    };
    for schema in map.values_mut() {
        let Some(members) = schema.get("allOf").and_then(|a| a.as_array()) else {
            continue;
        };
        let mut properties = serde_json::Map::new();
        let mut required = Vec::new();
        let mut plain = true;
        for m in members {
            let m = match m.get("$ref").and_then(|r| r.as_str()) {
                Some(r) => &schemas[r.trim_start_matches("#/components/schemas/")],
                None => m,
            };
            match m.get("properties").and_then(|p| p.as_object()) {
                Some(p) if m.get("allOf").is_none() => {
                    properties.extend(p.clone());
                    required.extend(m["required"].as_array().cloned().unwrap_or_default());
                }
                _ => plain = false,
            }
        }
        if !plain {
            continue;
        }
        let mut merged =
            serde_json::json!({ "type": "object", "required": required, "properties": properties });
        if let Some(d) = schema.get("description") {
            merged["description"] = d.clone();
        }
        *schema = merged;
    }
    serde_json::from_value(doc).unwrap_or(api)
}

/// The application, given its state.
pub fn build(
    state: AppState,
    spa: Option<Spa>,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl actix_web::body::MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let max_json = state.settings.max_json_bytes;
    let cors = http::cors(&state.settings.cors_allowed_origins);
    let policy = web::Data::new(HtmlPolicy {
        csp: http::html_csp(spa.as_ref().and_then(Spa::index_html).as_deref()),
        hsts: state.settings.public_url.starts_with("https://"),
    });
    let (app, api) = routes(
        App::new()
            .into_utoipa_app()
            .openapi(ApiDoc::openapi())
            .app_data(web::Data::new(crate::platform::client::ProxyTrust(
                state.settings.trust_proxy,
            )))
            .app_data(web::Data::from(state.metrics.clone()))
            .app_data(web::Data::new(state.draining.clone()))
            .app_data(web::Data::new(state))
            .app_data(policy)
            .app_data(http::json_config(max_json))
            .app_data(http::query_config())
            .app_data(http::path_config()),
    )
    .split_for_parts();
    let api = finish(api);
    let mut app = app
        .service(web::redirect("/api/docs", "/api/docs/"))
        .service(SwaggerUi::new("/api/docs/{_:.*}").url("/api/openapi.json", api));
    app = match spa {
        Some(spa) => app.service(spa.assets()).service(spa.files()),
        None => app.default_service(web::to(http::not_found)),
    };
    app.wrap(cors)
        .wrap(from_fn(http::security_headers))
        .wrap(from_fn(crate::platform::shutdown::refuse_while_draining))
        .wrap(Compress::default())
        .wrap(from_fn(telemetry::observe))
}

/// The server, ready to run until stopped. On `SIGTERM` or Ctrl-C it first refuses new requests
/// with `503` for `shutdown_notice_secs`, then lets the requests in flight finish (for up to
/// 20 seconds) and stops.
pub fn server(
    state: AppState,
    listener: std::net::TcpListener,
) -> std::io::Result<actix_web::dev::Server> {
    let spa = state.settings.static_dir().map(|dir| Spa { dir });
    match &spa {
        Some(s) => tracing::info!(dir = %s.dir.display(), "serving the web app"),
        None => tracing::warn!("no built web app found (frontend/dist); serving the API only"),
    }
    let draining = state.draining.clone();
    // One process on SQLite has no other replica to send people to.
    let notice = match state.db.get_database_backend() {
        sea_orm::DbBackend::Sqlite => std::time::Duration::ZERO,
        _ => std::time::Duration::from_secs(state.settings.shutdown_notice_secs),
    };
    let server = HttpServer::new(move || build(state.for_worker(), spa.clone()))
        .workers(crate::state::http_workers())
        .listen(listener)?
        .shutdown_timeout(20)
        .disable_signals()
        .run();
    tokio::spawn(crate::platform::shutdown::on_signal(
        draining,
        server.handle(),
        notice,
    ));
    Ok(server)
}
