use reqwest::StatusCode;

use crate::helpers::{Options, TestApp};

/// The web app's assets go out compressed at build time, in the coding the browser accepts.
#[tokio::test]
async fn web_app_assets_are_sent_precompressed_in_the_coding_the_browser_accepts() {
    let dist = tempfile::tempdir().unwrap();
    let write = |name: &str, body: &str| std::fs::write(dist.path().join(name), body).unwrap();
    write("index.html", "<!doctype html><title>Carebase</title>");
    write("app-1a2b.wasm", "plain module");
    write("app-1a2b.wasm.br", "brotli module");
    write("app-1a2b.wasm.gz", "gzip module");
    write("app-1a2b.js", "plain glue");
    let app = TestApp::spawn_with(Options {
        static_dir: Some(dist.path().to_owned()),
        ..Options::default()
    })
    .await;
    let get = |path: &'static str, accept: &'static str| {
        let req = app.client.get(app.url(path));
        let req = if accept.is_empty() {
            req
        } else {
            req.header("accept-encoding", accept)
        };
        async move { req.send().await.unwrap() }
    };
    for (accept, encoding, body) in [
        ("gzip, deflate, br, zstd", Some("br"), "brotli module"),
        ("gzip, br;q=0", Some("gzip"), "gzip module"),
        ("gzip", Some("gzip"), "gzip module"),
        ("identity", None, "plain module"),
    ] {
        let res = get("/app-1a2b.wasm", accept).await;
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(
            res.headers()
                .get("content-encoding")
                .map(|v| v.to_str().unwrap()),
            encoding,
            "{accept}"
        );
        assert_eq!(res.headers()["content-type"], "application/wasm");
        assert!(res.headers()["cache-control"]
            .to_str()
            .unwrap()
            .contains("immutable"));
        assert!(res.headers().get("content-disposition").is_none());
        assert_eq!(res.text().await.unwrap(), body);
    }
    // No compressed copy: the file itself.
    let res = get("/app-1a2b.js", "br").await;
    assert!(res.headers().get("content-encoding").is_none());
    assert_eq!(res.text().await.unwrap(), "plain glue");
    assert_eq!(
        get("/missing.wasm", "br").await.status(),
        StatusCode::NOT_FOUND
    );
    // Client-side routes get the app; a missing file does not.
    let res = get("/calendar", "").await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.text().await.unwrap().contains("Carebase"));
    for missing in ["/favicon.ico", "/robots.txt", "/patients/x/photo.png"] {
        assert_eq!(
            get(missing, "").await.status(),
            StatusCode::NOT_FOUND,
            "{missing}"
        );
    }
}

#[tokio::test]
async fn health_readiness_and_metrics_answer() {
    let app = TestApp::spawn().await;
    let res = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let res = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let metrics = app
        .client
        .get(app.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains("carebase_http_requests_total"),
        "{metrics}"
    );
    assert!(metrics.contains("route=\"/readyz\""));
}

#[tokio::test]
async fn the_spec_is_served_and_matches_the_checked_in_copy() {
    let app = TestApp::spawn().await;
    let served: serde_json::Value = app.public_json("/api/openapi.json").await;
    assert_eq!(served["openapi"], "3.1.0");
    assert_eq!(
        served,
        serde_json::to_value(carebase::app::openapi()).unwrap()
    );
    let checked_in = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../openapi/openapi.json"
    ))
    .expect("openapi/openapi.json is checked in");
    let checked_in: serde_json::Value = serde_json::from_str(&checked_in).unwrap();
    assert_eq!(served, checked_in, "openapi/openapi.json is stale: run `cargo run -p carebase -- openapi > openapi/openapi.json`");
}

#[test]
fn every_reference_in_the_spec_resolves() {
    fn walk(v: &serde_json::Value, refs: &mut Vec<String>) {
        match v {
            serde_json::Value::Object(m) => {
                if let Some(r) = m.get("$ref").and_then(|r| r.as_str()) {
                    refs.push(r.to_owned());
                }
                m.values().for_each(|v| walk(v, refs));
            }
            serde_json::Value::Array(a) => a.iter().for_each(|v| walk(v, refs)),
            _ => {}
        }
    }
    let spec = serde_json::to_value(carebase::app::openapi()).unwrap();
    let mut refs = Vec::new();
    walk(&spec, &mut refs);
    assert!(!refs.is_empty());
    for r in refs {
        let name = r.trim_start_matches("#/components/schemas/");
        assert!(
            spec["components"]["schemas"].get(name).is_some(),
            "{r} does not resolve"
        );
    }
}

#[tokio::test]
async fn the_docs_page_is_served_without_a_network() {
    let app = TestApp::spawn().await;
    let res = app.client.get(app.url("/api/docs/")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let html = res.text().await.unwrap();
    assert!(html.contains("swagger"), "{html}");
    assert!(
        !html.contains("https://"),
        "docs must load nothing from a CDN"
    );
}

#[tokio::test]
async fn every_response_carries_security_headers() {
    let app = TestApp::spawn().await;
    for path in ["/healthz", "/api/v1/patients", "/api/v1/nope"] {
        let res = app.client.get(app.url(path)).send().await.unwrap();
        let h = res.headers();
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(h["x-frame-options"], "DENY");
        assert!(h["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("frame-ancestors 'none'"));
        assert_eq!(h["referrer-policy"], "no-referrer");
    }
    let res = app
        .client
        .get(app.url("/api/v1/nope"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert_eq!(res.headers()["content-type"], "application/problem+json");
}

#[tokio::test]
async fn cors_allows_listed_origins_only() {
    let app = TestApp::spawn().await;
    let preflight = |origin: &'static str| {
        app.client
            .request(reqwest::Method::OPTIONS, app.url("/api/v1/patients"))
            .header("Origin", origin)
            .header("Access-Control-Request-Method", "GET")
            .send()
    };
    let ok = preflight("https://partner.example").await.unwrap();
    assert_eq!(
        ok.headers()["access-control-allow-origin"],
        "https://partner.example"
    );
    let bad = preflight("https://evil.example").await.unwrap();
    assert!(bad.headers().get("access-control-allow-origin").is_none());
}
