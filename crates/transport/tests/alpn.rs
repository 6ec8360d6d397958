//! HTTP/2 when the server offers it by ALPN, HTTP/1.1 when it offers only that.

use std::convert::Infallible;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper::{Request, Response, Version};
use hyper_util::rt::{TokioExecutor, TokioIo};
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use serde_json::json;
use tradepay_transport::Client;
use tradepay_types::{OrderRef, Secret, Status};

const SECRET: &str = "alpn-secret";

/// A TLS gateway answering every request with a signed success, recording HTTP versions.
async fn tls_server(alpn: Vec<Vec<u8>>) -> (u16, String, Arc<Mutex<Vec<Version>>>) {
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name
        .push(DnType::CommonName, "alpn test CA");
    ca.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let ca_key = KeyPair::generate().unwrap();
    let ca_pem = ca.self_signed(&ca_key).unwrap().pem();
    let issuer = Issuer::new(ca, ca_key);
    let leaf = CertificateParams::new(vec!["localhost".to_owned()]).unwrap();
    let leaf_key = KeyPair::generate().unwrap();
    let leaf_pem = leaf.signed_by(&leaf_key, &issuer).unwrap().pem();

    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(leaf_pem.as_bytes())
        .collect::<Result<_, _>>()
        .unwrap();
    let key = PrivateKeyDer::from_pem_slice(leaf_key.serialize_pem().as_bytes()).unwrap();
    let mut config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(certs, key)
    .unwrap();
    config.alpn_protocols = alpn;
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let versions = Arc::new(Mutex::new(Vec::new()));
    let seen = versions.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            let seen = seen.clone();
            tokio::spawn(async move {
                let Ok(tls) = acceptor.accept(stream).await else {
                    return;
                };
                let service = service_fn(move |req: Request<Incoming>| {
                    let seen = seen.clone();
                    async move {
                        seen.lock().unwrap().push(req.version());
                        let _ = req.into_body().collect().await;
                        let body = serde_json::to_vec(&json!({
                            "code": "00000000", "message": "SUCCESS", "traceId": "tr_alpn",
                            "data": {"status": "SUCCESS", "order_id": "o_alpn"}
                        }))
                        .unwrap();
                        let sig = Secret::new(SECRET).sign(&body);
                        let res = Response::builder()
                            .header("x-signature", sig)
                            .body(Full::new(Bytes::from(body)))
                            .unwrap();
                        Ok::<_, Infallible>(res)
                    }
                });
                let _ = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new())
                    .serve_connection(TokioIo::new(tls), service)
                    .await;
            });
        }
    });
    (port, ca_pem, versions)
}

async fn version_used(alpn: Vec<Vec<u8>>) -> Version {
    let (port, ca_pem, versions) = tls_server(alpn).await;
    let client = Client::builder()
        .base_url(format!("https://localhost:{port}"))
        .access_no("acc_alpn")
        .secret(SECRET)
        .add_root_certificate_pem(ca_pem.as_bytes())
        .build()
        .unwrap();
    let t = client
        .query(OrderRef::OrderId("o_alpn".into()), "m_1")
        .await
        .unwrap();
    assert_eq!(t.status, Status::Success);
    let v = versions.lock().unwrap();
    assert_eq!(v.len(), 1);
    v[0]
}

#[tokio::test]
async fn http2_when_offered() {
    let v = version_used(vec![b"h2".to_vec(), b"http/1.1".to_vec()]).await;
    assert_eq!(v, Version::HTTP_2);
}

#[tokio::test]
async fn http1_when_only_it_is_offered() {
    let v = version_used(vec![b"http/1.1".to_vec()]).await;
    assert_eq!(v, Version::HTTP_11);
}
