//! TLS end to end against the sandbox serving HTTPS with an rcgen certificate: a custom CA
//! is accepted, an unknown CA and a certificate for another host are refused.

use std::time::Duration;

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use tradepay_sandbox::{Sandbox, SandboxConfig, TlsConfig};
use tradepay_transport::{Client, ErrorKind};
use tradepay_types::{OrderRef, Status};

struct Pki {
    ca_pem: String,
    cert_pem: String,
    key_pem: String,
}

fn make_pki(names: &[&str]) -> Pki {
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name
        .push(DnType::CommonName, "tradepay test CA");
    ca.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let ca_key = KeyPair::generate().unwrap();
    let ca_cert = ca.self_signed(&ca_key).unwrap();
    let issuer = Issuer::new(ca, ca_key);

    let mut leaf =
        CertificateParams::new(names.iter().map(|n| n.to_string()).collect::<Vec<_>>()).unwrap();
    leaf.distinguished_name.push(DnType::CommonName, names[0]);
    leaf.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let leaf_key = KeyPair::generate().unwrap();
    let leaf_cert = leaf.signed_by(&leaf_key, &issuer).unwrap();
    Pki {
        ca_pem: ca_cert.pem(),
        cert_pem: leaf_cert.pem(),
        key_pem: leaf_key.serialize_pem(),
    }
}

async fn https_sandbox(pki: &Pki) -> (Sandbox, u16) {
    let sb = Sandbox::start(SandboxConfig {
        tls: Some(TlsConfig {
            cert_pem: pki.cert_pem.clone().into_bytes(),
            key_pem: pki.key_pem.clone().into_bytes(),
        }),
        ..SandboxConfig::default()
    })
    .await
    .unwrap();
    assert!(sb.url().starts_with("https://"), "{}", sb.url());
    let port = sb
        .url()
        .rsplit(':')
        .next()
        .unwrap()
        .trim_end_matches('/')
        .parse()
        .unwrap();
    (sb, port)
}

fn client(sb: &Sandbox, base_url: &str, ca: Option<&str>) -> Client {
    let mut b = Client::builder()
        .base_url(base_url)
        .access_no(sb.access_no())
        .secret(sb.secret())
        .max_retries(0)
        .timeout(Duration::from_secs(5));
    if let Some(ca) = ca {
        b = b.add_root_certificate_pem(ca.as_bytes());
    }
    b.build().unwrap()
}

async fn query(c: &Client) -> Result<(), tradepay_transport::Error> {
    match c.query(OrderRef::OrderId("tls_o".into()), "m_1").await {
        Ok(_) => Ok(()),
        // Any gateway answer proves the TLS session was established and trusted.
        Err(e) if e.kind() == ErrorKind::Business => Ok(()),
        Err(e) => Err(e),
    }
}

#[tokio::test]
async fn a_custom_ca_is_accepted() {
    let pki = make_pki(&["localhost"]);
    let (sb, port) = https_sandbox(&pki).await;
    let c = client(&sb, &format!("https://localhost:{port}"), Some(&pki.ca_pem));
    query(&c).await.unwrap();
    let trade = c
        .pay(tradepay_types::PayRequest {
            merchant_id: "m_1".into(),
            order_id: "tls_pay".into(),
            amount: tradepay_types::Amount::parse("1.00").unwrap(),
            currency: "USD".into(),
            payment_method: Some("card".into()),
            return_url: Some("https://shop.example/back".into()),
            payment_method_data: Some(tradepay_types::PaymentMethodData::card(
                "4242424242424242",
                "12",
                "2030",
                "123",
            )),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(trade.status, Status::Success);
}

#[tokio::test]
async fn an_unknown_ca_is_refused() {
    let pki = make_pki(&["localhost"]);
    let (sb, port) = https_sandbox(&pki).await;
    // Default roots (Mozilla's) do not include the test CA.
    let c = client(&sb, &format!("https://localhost:{port}"), None);
    let e = query(&c).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Network, "{e}");
    assert!(
        !e.is_outcome_unknown(),
        "nothing was sent over an untrusted connection"
    );
    assert!(e.message().to_lowercase().contains("certificate"), "{e}");
    // Another CA's bundle does not help either.
    let other = make_pki(&["localhost"]);
    let c = client(
        &sb,
        &format!("https://localhost:{port}"),
        Some(&other.ca_pem),
    );
    assert_eq!(query(&c).await.unwrap_err().kind(), ErrorKind::Network);
    assert!(sb.orders().is_empty());
}

#[tokio::test]
async fn a_certificate_for_another_host_is_refused() {
    let pki = make_pki(&["gateway.example"]);
    let (sb, port) = https_sandbox(&pki).await;
    let c = client(&sb, &format!("https://localhost:{port}"), Some(&pki.ca_pem));
    let e = query(&c).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Network, "{e}");
    // Connecting by IP to a certificate naming only a DNS host is refused too.
    let c = client(&sb, &format!("https://127.0.0.1:{port}"), Some(&pki.ca_pem));
    assert_eq!(query(&c).await.unwrap_err().kind(), ErrorKind::Network);
}

/// The committed test PKI of `tests/fixtures/tls` (what the Python and Node suites use):
/// `ca_cert` and `tls_roots` as the bindings pass them, through the core's option reader.
mod options {
    use super::*;
    use serde_json::{json, Map, Value};
    use tradepay_transport::options::{self, Spelling};

    fn fixture(name: &str) -> String {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures/tls/");
        std::fs::read_to_string(format!("{path}{name}")).unwrap()
    }

    async fn committed_sandbox() -> (Sandbox, u16) {
        let pki = Pki {
            ca_pem: fixture("ca.pem"),
            cert_pem: fixture("server.pem"),
            key_pem: fixture("server.key"),
        };
        https_sandbox(&pki).await
    }

    fn build(sb: &Sandbox, extra: Value) -> Result<Client, tradepay_transport::Error> {
        let mut map: Map<String, Value> = serde_json::from_value(json!({
            "base_url": sb.url(), "access_no": sb.access_no(), "secret": sb.secret(),
            "max_retries": 0,
        }))
        .unwrap();
        map.extend(extra.as_object().unwrap().clone());
        options::build(
            options::client_builder(&map, &[], Spelling::Python)?,
            Spelling::Python,
        )
    }

    #[tokio::test]
    async fn ca_cert_is_trusted_alone_and_tls_roots_picks_the_store() {
        let (sb, _) = committed_sandbox().await;
        let trusted = build(&sb, json!({"ca_cert": fixture("ca.pem")})).unwrap();
        query(&trusted).await.unwrap();
        // Without it (the bundled roots, or the system's) the test CA is unknown.
        for extra in [
            json!({}),
            json!({"tls_roots": "native"}),
            json!({"ca_cert": fixture("other-ca.pem")}),
        ] {
            let e = query(&build(&sb, extra.clone()).unwrap())
                .await
                .unwrap_err();
            assert_eq!(e.kind(), ErrorKind::Network, "{extra}: {e}");
            assert!(
                !e.is_outcome_unknown(),
                "{extra}: a refused handshake sent nothing"
            );
        }
    }

    #[tokio::test]
    async fn bad_values_are_refused_when_the_client_is_built() {
        let (sb, _) = committed_sandbox().await;
        let message = |extra: Value| build(&sb, extra).unwrap_err().shown_message();
        assert_eq!(
            message(json!({"tls_roots": "system"})),
            "tls_roots: must be \"webpki\" or \"native\""
        );
        assert_eq!(
            message(json!({"ca_cert": "not a certificate"})),
            "ca_cert: no certificate found (expected PEM: -----BEGIN CERTIFICATE-----)"
        );
        assert_eq!(
            message(
                json!({"ca_cert": "-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n"})
            ),
            "ca_cert: not a valid PEM certificate bundle"
        );
    }
}
