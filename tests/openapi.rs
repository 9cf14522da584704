//! The OpenAPI document against the live server: a real `faq serve` on a socket is asked
//! for every operation and every status a client can provoke (200 in each view, 304, 400 of
//! each kind, 404, 405, 413, 414, 431), and each response must be documented for its
//! operation, with a body that validates against the documented schema (JSON Schema
//! 2020-12, as OpenAPI 3.1 uses it; undocumented fields fail). Every example in the document
//! validates too, and every operation has an operationId.

use crate::common;

use common::server::Server;
use serde_json::{Value, json};

/// A validator for `schema`, whose `$ref`s point into the document's components.
fn validator(doc: &Value, schema: &Value) -> jsonschema::Validator {
    let mut root = json!({"$schema": "https://json-schema.org/draft/2020-12/schema", "components": doc["components"]});
    for (key, value) in schema.as_object().unwrap() {
        root[key] = value.clone();
    }
    jsonschema::validator_for(&root).unwrap_or_else(|e| panic!("schema {schema}: {e}"))
}

fn assert_valid(doc: &Value, schema: &Value, instance: &Value, what: &str) {
    let validator = validator(doc, schema);
    let errors: Vec<String> = validator.iter_errors(instance).map(|e| format!("{} at {}", e, e.instance_path())).collect();
    assert!(errors.is_empty(), "{what}: {errors:?}\n{instance}");
}

/// `#/components/responses/X` → the response object.
fn resolve<'a>(doc: &'a Value, response: &'a Value) -> &'a Value {
    match response["$ref"].as_str() {
        Some(reference) => doc.pointer(reference.trim_start_matches('#')).unwrap_or_else(|| panic!("{reference} missing")),
        None => response,
    }
}

/// Checks one live response against the document: documented status, and a body matching
/// its schema (or no body where none is documented).
fn check(doc: &Value, template: &str, status: u16, head: &str, body: &str, what: &str) {
    check_method(doc, template, "get", status, head, body, what)
}

fn check_method(doc: &Value, template: &str, method: &str, status: u16, head: &str, body: &str, what: &str) {
    let operation = &doc["paths"][template][method];
    let response =
        operation["responses"].get(status.to_string()).unwrap_or_else(|| panic!("{what}: status {status} undocumented for {template}"));
    let response = resolve(doc, response);
    match response["content"].as_object() {
        Some(content) => {
            let lower = head.to_ascii_lowercase();
            let kind = content.keys().find(|k| lower.contains(&format!("content-type: {k}"))).unwrap_or_else(|| panic!("{what}: {head}"));
            if kind == "application/json" {
                let body: Value = serde_json::from_str(body).unwrap_or_else(|e| panic!("{what}: {e}: {body}"));
                assert_valid(doc, &content[kind]["schema"], &body, what);
            }
        }
        None => assert!(body.is_empty(), "{what}: no body documented, got {body}"),
    }
}

#[test]
fn the_live_server_answers_as_its_openapi_document_says() {
    let checkout = common::seed_checkout();
    let server = Server::start(checkout.path(), &["--contact-url", "https://portal.example.com/contact"]);
    let (status, _, text) = server.get("/api/openapi.json");
    assert_eq!(status, 200);
    let doc: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    assert!(doc["servers"].as_array().is_some_and(|s| !s.is_empty()));

    let q = "%E9%A0%98%E5%8F%8E%E6%9B%B8"; // 領収書
    let (_, _, found) = server.get(&format!("/api/search?q={q}&limit=1"));
    let found: Value = serde_json::from_str(&found).unwrap();
    let id = found["hits"][0]["id"].as_str().unwrap().to_string();
    let long = "%E3%81%82".repeat(1001);
    let gets: Vec<(&str, String)> = vec![
        ("/api/search", format!("/api/search?q={q}")),
        ("/api/search", format!("/api/search?q={q}&explain=true&limit=2")),
        ("/api/search", format!("/api/search?q={q}&view=compact&suggest=6")),
        ("/api/search", "/api/search?q=%E5%A4%A9%E6%B0%97%E3%81%AF%E3%81%A9%E3%81%86&view=compact&suggest=6".into()), // 天気はどう
        ("/api/search", "/api/search?q=zzqxwv&suggest=3".into()),
        ("/api/search", "/api/search".into()),
        ("/api/search", "/api/search?q=%20".into()),
        ("/api/search", format!("/api/search?q={long}")),
        ("/api/search", format!("/api/search?q={q}&offset=-1")),
        ("/api/search", format!("/api/search?q={q}&view=tiny")),
        ("/api/faq/{id}", format!("/api/faq/{id}")),
        ("/api/faq/{id}", "/api/faq/no-such-entry".into()),
        ("/api/suggest", "/api/suggest?q=%E3%82%8A%E3%82%87".into()),
        ("/api/suggest", "/api/suggest?q=%E3%82%8A&limit=x".into()),
        ("/api/config", "/api/config".into()),
        ("/healthz", "/healthz".into()),
        ("/metrics", "/metrics".into()),
        ("/api/openapi.json", "/api/openapi.json".into()),
    ];
    let mut seen = std::collections::BTreeSet::new();
    for (template, target) in &gets {
        let (status, head, body) = server.get(target);
        check(&doc, template, status, &head, &body, target);
        seen.insert((template.to_string(), status));
        // Conditional requests: 304 with no body where there is a validator.
        if let Some(etag) = head.lines().find_map(|l| l.strip_prefix("etag: ").or_else(|| l.strip_prefix("ETag: "))) {
            let request =
                format!("GET {target} HTTP/1.1\r\nHost: {}\r\nIf-None-Match: {etag}\r\nConnection: close\r\n\r\n", server.address);
            let (status, head, body) = server.request(&request);
            assert_eq!(status, 304, "{target}");
            check(&doc, template, status, &head, &body, &format!("{target} (If-None-Match)"));
            seen.insert((template.to_string(), status));
        }
    }
    // What a client can get wrong at the HTTP level.
    let host = &server.address;
    let raw = [
        ("/api/search", format!("POST /api/search?q={q} HTTP/1.1\r\nHost: {host}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")),
        (
            "/api/search",
            format!(
                "POST /api/search?q={q} HTTP/1.1\r\nHost: {host}\r\nContent-Length: 20000\r\nConnection: close\r\n\r\n{}",
                "x".repeat(20000)
            ),
        ),
        ("/api/search", format!("GET /api/search?q={q} HTTP/1.1\r\nConnection: close\r\n\r\n")),
        ("/api/search", format!("GET /api/search?q={} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n", "a".repeat(70 * 1024))),
        (
            "/api/search",
            format!("GET /api/search?q={q} HTTP/1.1\r\nHost: {host}\r\nX-Big: {}\r\nConnection: close\r\n\r\n", "a".repeat(200 * 1024)),
        ),
    ];
    for (template, request) in &raw {
        let (status, head, body) = server.request(request);
        check(&doc, template, status, &head, &body, &request[..request.len().min(60)]);
        seen.insert((template.to_string(), status));
    }
    // The page's events: recorded (204), or refused as malformed (400 invalid_event).
    let events = [
        (r#"{"type":"open","id":"order-management-4fbda66d","rank":1,"query":"領収書"}"#, 204),
        (r#"{"type":"feedback","id":"order-management-4fbda66d","helpful":false,"query":"領収書"}"#, 204),
        (r#"{"type":"open","id":"../etc","rank":1,"query":""}"#, 400),
        (r#"{"type":"vote"}"#, 400),
        ("not json", 400),
    ];
    for (body, expected) in events {
        let request = format!(
            "POST /api/events HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
        let (status, head, response) = server.request(&request);
        assert_eq!(status, expected, "{body}: {response}");
        check_method(&doc, "/api/events", "post", status, &head, &response, body);
    }
    let statuses: Vec<u16> = seen.iter().filter(|(t, _)| t == "/api/search").map(|(_, s)| *s).collect();
    assert_eq!(statuses, [200, 400, 405, 413, 414, 431], "the statuses provoked on /api/search");
    assert!(seen.contains(&("/api/faq/{id}".to_string(), 404)) && seen.contains(&("/api/faq/{id}".to_string(), 304)));

    // Every operation is named; every example validates against its schema.
    for (path, item) in doc["paths"].as_object().unwrap() {
        let (method, operation) = item.as_object().unwrap().iter().next().unwrap();
        assert!(operation["operationId"].is_string(), "{path} {method}: no operationId");
        for (name, example) in operation["requestBody"]["content"]["application/json"]["examples"].as_object().into_iter().flatten() {
            let schema = &operation["requestBody"]["content"]["application/json"]["schema"];
            assert_valid(&doc, schema, &example["value"], &format!("{path} request example {name}"));
        }
        for (status, response) in operation["responses"].as_object().unwrap() {
            let response = resolve(&doc, response);
            for (kind, content) in response["content"].as_object().into_iter().flatten() {
                for (name, example) in content["examples"].as_object().into_iter().flatten() {
                    if kind == "application/json" {
                        assert_valid(&doc, &content["schema"], &example["value"], &format!("{path} {status} example {name}"));
                    }
                }
            }
        }
    }
    for (name, schema) in doc["components"]["schemas"].as_object().unwrap() {
        for example in schema["examples"].as_array().into_iter().flatten() {
            assert_valid(&doc, &json!({"$ref": format!("#/components/schemas/{name}")}), example, &format!("{name} example"));
        }
    }
}
