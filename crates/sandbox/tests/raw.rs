//! `Sandbox::handle_raw`, the socket-free entry point the `gateway` fuzz target drives:
//! it answers as the server does, and inputs hyper would refuse get HTTP 400.

mod common;

use common::*;
use tradepay_types::{Envelope, Secret};

#[tokio::test]
async fn handle_raw_answers_as_the_server_does() {
    let sb = sandbox().await;
    let c = TestClient::new(&sb);
    let body = c.body("PAY", &card("o_raw", "4242424242424242"));
    let sig = Secret::new(sb.secret()).sign(&body);
    let headers = vec![
        ("content-type".to_owned(), b"application/json".to_vec()),
        ("x-signature".to_owned(), sig.into_bytes()),
    ];
    let res = sb.handle_raw("POST", "/v1/gateway", &headers, body).await;
    assert_eq!(res.status, Some(200));
    assert!(res.complete);
    let envelope = Envelope::parse(&res.body).unwrap();
    assert_eq!(envelope.code, "00000000");
    let (_, signature) = res
        .headers
        .iter()
        .find(|(k, _)| k == "x-signature")
        .unwrap();
    Secret::new(sb.secret())
        .verify(&res.body, std::str::from_utf8(signature).unwrap())
        .unwrap();
    assert_eq!(sb.ledger().len(), 1);

    // Unsigned garbage: an unsigned 10000001.
    let res = sb
        .handle_raw("POST", "/v1/gateway?x=1", &[], b"\xff{".to_vec())
        .await;
    assert_eq!(res.status, Some(200));
    assert_eq!(Envelope::parse(&res.body).unwrap().code, "10000006");
    // A method other than POST, and what hyper would refuse before the service.
    assert_eq!(
        sb.handle_raw("GET", "/v1/gateway", &[], vec![])
            .await
            .status,
        Some(405)
    );
    for (method, uri, header) in [
        ("PO ST", "/v1/gateway", ("a".to_owned(), b"b".to_vec())),
        ("POST", "/v1/ gateway", ("a".to_owned(), b"b".to_vec())),
        (
            "POST",
            "/v1/gateway",
            ("bad name".to_owned(), b"b".to_vec()),
        ),
        (
            "POST",
            "/v1/gateway",
            ("a".to_owned(), b"b\r\nc: d".to_vec()),
        ),
    ] {
        let res = sb.handle_raw(method, uri, &[header], vec![]).await;
        assert_eq!(res.status, Some(400), "{method} {uri}");
    }
    // An announced body over the limit: 413 with an envelope.
    let res = sb
        .handle_raw(
            "POST",
            "/v1/gateway",
            &[("content-length".to_owned(), b"99999999".to_vec())],
            vec![],
        )
        .await;
    assert_eq!(res.status, Some(413));
    assert_eq!(Envelope::parse(&res.body).unwrap().code, "10000001");
}
