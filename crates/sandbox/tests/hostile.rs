//! Hostile input and concurrency: a clear envelope or a closed connection, never a panic,
//! never a corrupted order, and one charge however many duplicates arrive at once.

mod common;

use std::sync::Arc;

use common::*;
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[tokio::test]
async fn oversized_bodies_are_refused() {
    let sb = sandbox().await;
    let c = TestClient::new(&sb);
    let mut data = card("o_big", "4242424242424242");
    data["customer_id"] = json!("x".repeat(70 * 1024));
    let body = c.body("PAY", &data);
    assert!(body.len() > 64 * 1024);
    let sig = c.secret.sign(&body);
    // A closed connection (Err) is an acceptable answer too.
    if let Ok(raw) = c.post_raw("/v1/gateway", body, Some(sig)).await {
        assert_eq!(raw.status, 413);
        assert_eq!(raw.envelope().code, "10000001");
    }
    // Chunked (no Content-Length) and over the cap: the same.
    let addr = sb.url().trim_start_matches("http://").to_owned();
    let mut tcp = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let head = "POST /v1/gateway HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n";
    tcp.write_all(head.as_bytes()).await.unwrap();
    let chunk = vec![b' '; 16 * 1024];
    for _ in 0..5 {
        let _ = tcp
            .write_all(format!("{:x}\r\n", chunk.len()).as_bytes())
            .await;
        let _ = tcp.write_all(&chunk).await;
        let _ = tcp.write_all(b"\r\n").await;
    }
    let _ = tcp.write_all(b"0\r\n\r\n").await;
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(
        std::time::Duration::from_secs(5),
        tcp.read_to_end(&mut answer),
    )
    .await;
    let text = String::from_utf8_lossy(&answer);
    assert!(
        text.is_empty() || text.starts_with("HTTP/1.1 413"),
        "{text}"
    );
    assert!(sb.orders().is_empty());
    // Still serving.
    assert_eq!(
        c.ok("PAY", &card("o_after", "4242424242424242")).await.0,
        "00000000"
    );
}

#[tokio::test]
async fn garbage_bodies_get_10000001_and_never_a_panic() {
    let sb = sandbox().await;
    let c = TestClient::new(&sb);
    let deep = format!("{}{}", "[".repeat(30_000), "]".repeat(30_000));
    let deep_obj = format!(
        r#"{{"accessNo":"{}","x":{}1{}}}"#,
        sb.access_no(),
        "{\"a\":".repeat(5000),
        "}".repeat(5000)
    );
    let cases: Vec<Vec<u8>> = vec![
        vec![],
        b"null".to_vec(),
        b"42".to_vec(),
        b"\xff\xfe\xfd".to_vec(),
        b"{\"accessNo\":\"\xff\"}".to_vec(),
        deep.into_bytes(),
        deep_obj.into_bytes(),
        b"{\"accessNo\":{},\"timestamp\":[],\"nonce\":null}".to_vec(),
        b"{}".to_vec(),
        vec![0u8; 1000],
    ];
    for body in cases {
        let sig = c.secret.sign(&body);
        let raw = c
            .post_raw("/v1/gateway", body.clone(), Some(sig))
            .await
            .unwrap();
        assert_eq!(raw.status, 200);
        assert_eq!(
            raw.envelope().code,
            "10000001",
            "{:?}",
            String::from_utf8_lossy(&body[..body.len().min(40)])
        );
        assert!(raw.signature().is_none());
    }
    // Deeply nested but authentic data: a format error, signed.
    let mut data = card("o_deep", "4242424242424242");
    let mut nested = json!("leaf");
    for _ in 0..100 {
        nested = json!({ "n": nested });
    }
    data["metadata"] = nested;
    assert_eq!(c.call("PAY", &data).await.code, "22070001");
    assert_eq!(
        c.ok("PAY", &card("o_ok", "4242424242424242")).await.0,
        "00000000"
    );
}

#[tokio::test]
async fn broken_http_is_dropped_and_the_server_keeps_serving() {
    let sb = sandbox().await;
    let c = TestClient::new(&sb);
    let addr = sb.url().trim_start_matches("http://").to_owned();
    for junk in [
        b"GARBAGE\r\n\r\n".to_vec(),
        b"POST /v1/gateway HTTP/1.1\r\ncontent-length: 10\r\n\r\nabc".to_vec(),
        vec![0u8; 4096],
        b"POST /v1/gateway HTTP/1.1\r\ncontent-length: -1\r\n\r\n".to_vec(),
    ] {
        let mut tcp = tokio::net::TcpStream::connect(&addr).await.unwrap();
        let _ = tcp.write_all(&junk).await;
        let _ = tcp.shutdown().await;
        let mut sink = Vec::new();
        let _ = tokio::time::timeout(
            std::time::Duration::from_secs(5),
            tcp.read_to_end(&mut sink),
        )
        .await;
    }
    assert_eq!(
        c.ok("PAY", &card("o_alive", "4242424242424242")).await.0,
        "00000000"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_identical_pays_charge_once() {
    let sb = sandbox().await;
    let c = Arc::new(TestClient::new(&sb));
    for (round, data) in [
        card("o_race_card", "4242424242424242"),
        micropay("o_race_mp", "1234567890"),
        qr("o_race_qr"),
    ]
    .into_iter()
    .enumerate()
    {
        let mut tasks = Vec::new();
        for _ in 0..64 {
            let (c, data) = (c.clone(), data.clone());
            // Every request is its own signed request (own nonce), on its own connection.
            tasks.push(tokio::spawn(async move {
                let own = c.clone_of();
                own.ok("PAY", &data).await
            }));
        }
        let mut trade_ids = std::collections::HashSet::new();
        for t in tasks {
            let (code, d) = t.await.unwrap();
            assert!(code == "00000000" || code == "00000003", "{code}");
            trade_ids.insert(s(&d, "trade_id").to_owned());
        }
        assert_eq!(trade_ids.len(), 1, "round {round}: one order");
    }
    let ledger = sb.ledger();
    assert_eq!(ledger.len(), 3);
    for e in &ledger {
        assert!(e.charges <= 1, "{e:?}");
    }
    assert_eq!(
        ledger.iter().map(|e| e.charges).sum::<u32>(),
        2,
        "card and micropay charged once, QR pending"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_refunds_never_exceed_the_amount() {
    let sb = sandbox().await;
    let c = Arc::new(TestClient::new(&sb));
    c.ok("PAY", &card("o_rrace", "4242424242424242")).await;
    let mut tasks = Vec::new();
    for i in 0..40 {
        let c = c.clone();
        // 40 distinct refunds of 1.00 on a 10.00 order, plus duplicates of each id.
        let id = format!("r_{}", i % 20);
        tasks.push(tokio::spawn(async move {
            c.ok("REFUND", &refund("o_rrace", &id, "1.00")).await.0
        }));
    }
    let mut ok = 0;
    for t in tasks {
        let code = t.await.unwrap();
        assert!(code == "00000000" || code == "30000004", "{code}");
        if code == "00000000" {
            ok += 1;
        }
    }
    assert!(ok >= 10);
    let (_, q) = c.ok("QUERY", &by_order("o_rrace")).await;
    assert_eq!(s(&q, "total_refunded_amount"), "10.00");
    assert_eq!(s(&q, "refund_status"), "refunded");
    assert_eq!(sb.refunds().len(), 10);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn many_concurrent_connections() {
    let sb = sandbox().await;
    let c = Arc::new(TestClient::new(&sb));
    // Two thousand idle connections held open (half with a partial request) do not stop
    // the gateway from serving.
    let addr = sb.url().trim_start_matches("http://").to_owned();
    let mut idle = Vec::new();
    for i in 0..2000 {
        let mut tcp = tokio::net::TcpStream::connect(&addr).await.unwrap();
        if i % 2 == 0 {
            let _ = tcp
                .write_all(b"POST /v1/gateway HTTP/1.1\r\nhost: x\r\n")
                .await;
        }
        idle.push(tcp);
    }
    let mut tasks = Vec::new();
    for i in 0..500 {
        let c = c.clone();
        tasks.push(tokio::spawn(async move {
            let own = c.clone_of();
            own.ok("PAY", &card(&format!("o_conn_{i}"), "4242424242424242"))
                .await
                .0
        }));
    }
    for t in tasks {
        assert_eq!(t.await.unwrap(), "00000000");
    }
    assert_eq!(sb.ledger().len(), 500);
    drop(idle);
}

/// Random mutations of a valid body, each signed after mutation (so they get past the
/// signature when they still parse): always HTTP 200 and an envelope, never a dropped
/// connection or a panic, and every order that got through reads back as stored.
#[tokio::test]
async fn signed_random_mutations_always_get_an_envelope() {
    use rand::{Rng, SeedableRng};
    let sb = sandbox().await;
    let c = TestClient::new(&sb);
    let mut rng = rand::rngs::StdRng::seed_from_u64(0x5eed);
    let alphabet = b"{}[]\",:0123456789.-eE truefalsnul\\\xff\x00abcXYZ";
    for i in 0..400 {
        let data = match i % 3 {
            0 => card(&format!("o_mut_{i}"), "4242424242424242"),
            1 => micropay(&format!("o_mut_{i}"), "1234567890"),
            _ => refund("o_mut_0", &format!("r_mut_{i}"), "1.00"),
        };
        let tt = ["PAY", "PAY", "REFUND"][i % 3];
        let mut body = c.body(tt, &data);
        for _ in 0..rng.random_range(1..4) {
            let at = rng.random_range(0..body.len());
            match rng.random_range(0..3) {
                0 => body[at] = alphabet[rng.random_range(0..alphabet.len())],
                1 => {
                    body.remove(at);
                }
                _ => body.insert(at, alphabet[rng.random_range(0..alphabet.len())]),
            }
        }
        let sig = c.secret.sign(&body);
        let raw = c
            .post_raw("/v1/gateway", body.clone(), Some(sig))
            .await
            .unwrap();
        assert_eq!(raw.status, 200, "{}", String::from_utf8_lossy(&body));
        let env = raw.envelope();
        assert!(tradepay_types::code::is_well_formed(&env.code));
    }
    // Whatever got through is a coherent order: QUERY returns exactly what the ledger holds.
    for trade in sb.orders() {
        let q = json!({"merchant_id": trade.merchant_id, "trade_id": trade.trade_id});
        let (code, data) = c.ok("QUERY", &q).await;
        assert_eq!(code, "00000000");
        assert_eq!(data, serde_json::to_value(&trade).unwrap());
    }
    assert!(sb.ledger().iter().all(|e| e.charges <= 1));
}
