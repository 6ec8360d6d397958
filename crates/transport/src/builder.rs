//! Configuring a [`Client`]: every check is deferred to [`ClientBuilder::build`], so a chain
//! of setters never panics and reports the first problem once.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use http::Uri;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioTimer};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::CertificateDer;
use tradepay_types::{Secret, Stamp, StampSource};

use crate::client::{Client, Config, Policy};
use crate::error::Error;
use crate::hooks::Hooks;
use crate::journal::{Journal, JournalHandle, DEFAULT_REPLAY_WINDOW};

// The defaults are facts of the API every binding documents: written once, in its description.
pub use tradepay_types::describe::{DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_RETRIES, DEFAULT_TIMEOUT};
/// The most retries a client may be given. Each retry of a money-moving call is another
/// chance for the gateway to act, and without a deadline a huge count against a gateway
/// that keeps answering 503 would never return.
pub const MAX_RETRIES: u32 = 10;
/// The default first backoff delay; it doubles after every retry, with jitter.
pub const DEFAULT_BACKOFF: Duration = Duration::from_millis(200);
/// The default cap of one backoff delay.
pub const DEFAULT_MAX_BACKOFF: Duration = Duration::from_secs(5);

/// Builds a [`Client`]. Obtain one with [`Client::builder`].
#[must_use = "a builder does nothing until build() is called"]
#[derive(Clone)]
pub struct ClientBuilder {
    base_url: Option<String>,
    access_no: Option<String>,
    secret: Option<Secret>,
    max_retries: u32,
    connect_timeout: Duration,
    timeout: Duration,
    deadline: Option<Duration>,
    user_agent: Option<String>,
    allow_insecure_http: bool,
    root_pems: Vec<Vec<u8>>,
    native_roots: bool,
    webpki_roots: bool,
    ca_cert: Option<String>,
    tls_roots: Option<String>,
    app_info: Option<serde_json::Map<String, serde_json::Value>>,
    stamps: Option<Arc<dyn StampSource>>,
    backoff: Duration,
    max_backoff: Duration,
    pool_max_idle_per_host: usize,
    journal: Option<JournalSpec>,
    replay_window: Duration,
    hooks: Option<Arc<dyn Hooks>>,
}

/// A journal to open at build(), or one already open.
#[derive(Clone)]
enum JournalSpec {
    Url(String),
    Backend(Arc<dyn Journal>),
}

impl std::fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientBuilder")
            // A URL with userinfo is refused at build(); until then it is not printed.
            .field(
                "base_url",
                &self
                    .base_url
                    .as_deref()
                    .map(|u| if u.contains('@') { "<redacted>" } else { u }),
            )
            .field("access_no", &self.access_no)
            .field("secret", &self.secret.as_ref().map(|_| "<redacted>"))
            .field("max_retries", &self.max_retries)
            .field("timeout", &self.timeout)
            .field("deadline", &self.deadline)
            .finish_non_exhaustive()
    }
}

impl Default for ClientBuilder {
    fn default() -> Self {
        ClientBuilder {
            base_url: None,
            access_no: None,
            secret: None,
            max_retries: DEFAULT_MAX_RETRIES,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            timeout: DEFAULT_TIMEOUT,
            deadline: None,
            user_agent: None,
            allow_insecure_http: false,
            root_pems: Vec::new(),
            ca_cert: None,
            tls_roots: None,
            app_info: None,
            native_roots: false,
            webpki_roots: true,
            stamps: None,
            backoff: DEFAULT_BACKOFF,
            max_backoff: DEFAULT_MAX_BACKOFF,
            pool_max_idle_per_host: 32,
            journal: None,
            hooks: None,
            replay_window: DEFAULT_REPLAY_WINDOW,
        }
    }
}

impl ClientBuilder {
    /// The gateway's base URL (`https://gateway.example`); requests go to `{base_url}/v1/gateway`.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// The access party number assigned by the gateway.
    pub fn access_no(mut self, access_no: impl Into<String>) -> Self {
        self.access_no = Some(access_no.into());
        self
    }

    /// The access party's signing secret.
    pub fn secret(mut self, secret: impl Into<Secret>) -> Self {
        self.secret = Some(secret.into());
        self
    }

    /// Retries after the first attempt (default 2, so up to 3 attempts; at most
    /// [`MAX_RETRIES`]).
    pub fn max_retries(mut self, retries: u32) -> Self {
        self.max_retries = retries;
        self
    }

    /// Time allowed to open a connection (default 10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Time allowed to one attempt, from sending to the end of the answer (default 30 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Total time of one call across attempts and backoff (default: none, bounded by the retries).
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.deadline = Some(deadline);
        self
    }

    /// Sets or clears the total deadline.
    pub fn deadline_opt(mut self, deadline: Option<Duration>) -> Self {
        self.deadline = deadline;
        self
    }

    /// The `User-Agent` header (default `tradepay-rust/<version>`).
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = Some(user_agent.into());
        self
    }

    /// Allows plain `http://` to hosts other than loopback (default false: refused).
    pub fn allow_insecure_http(mut self, allow: bool) -> Self {
        self.allow_insecure_http = allow;
        self
    }

    /// Trusts the certificate authorities in a PEM bundle, in addition to the other roots.
    pub fn add_root_certificate_pem(mut self, pem: &[u8]) -> Self {
        self.root_pems.push(pem.to_vec());
        self
    }

    /// Trusts the operating system's certificate store too (default false).
    pub fn tls_native_roots(mut self, enabled: bool) -> Self {
        self.native_roots = enabled;
        self
    }

    /// Trusts the bundled Mozilla roots (default true). Turn off to trust only the roots
    /// added with [`ClientBuilder::add_root_certificate_pem`] or the native store.
    pub fn tls_webpki_roots(mut self, enabled: bool) -> Self {
        self.webpki_roots = enabled;
        self
    }

    /// Trusts only the certificate authorities of this PEM bundle (a private gateway's CA):
    /// the bundled and native roots are then not used. Checked at build() (`ca_cert: …`).
    pub fn ca_cert(mut self, pem: impl Into<String>) -> Self {
        self.ca_cert = Some(pem.into());
        self
    }

    /// The roots that verify the gateway, by name: `"webpki"` (the bundled Mozilla roots,
    /// the default) or `"native"` (the operating system's store), as the bindings' option
    /// `tls_roots` / `tlsRoots` says. Checked at build().
    pub fn tls_roots(mut self, roots: impl Into<String>) -> Self {
        self.tls_roots = Some(roots.into());
        self
    }

    /// Names your application in the User-Agent, after the SDK's own product token:
    /// `tradepay-rust/0.1.0 shop/1.2 (+https://shop.example)`. Checked at build().
    pub fn app_info(mut self, name: &str, version: Option<&str>, url: Option<&str>) -> Self {
        let mut fields = serde_json::Map::new();
        fields.insert("name".into(), name.into());
        if let Some(v) = version {
            fields.insert("version".into(), v.into());
        }
        if let Some(u) = url {
            fields.insert("url".into(), u.into());
        }
        self.app_info = Some(fields);
        self
    }

    /// [`ClientBuilder::app_info`] as the bindings give it: `{name, version?, url?}`.
    pub fn app_info_fields(mut self, fields: serde_json::Map<String, serde_json::Value>) -> Self {
        self.app_info = Some(fields);
        self
    }

    /// Where timestamps and nonces come from (default: the system clock and random nonces).
    pub fn stamp_source(mut self, stamps: Arc<dyn StampSource>) -> Self {
        self.stamps = Some(stamps);
        self
    }

    /// The first backoff delay and its cap (defaults 200 ms and 5 s). Each retry waits a
    /// random time between half and all of `min(base * 2^n, cap)`.
    pub fn retry_backoff(mut self, base: Duration, cap: Duration) -> Self {
        self.backoff = base;
        self.max_backoff = cap.max(base);
        self
    }

    /// Idle connections kept per host (default 32).
    pub fn pool_max_idle_per_host(mut self, max: usize) -> Self {
        self.pool_max_idle_per_host = max;
        self
    }

    /// Records every PAY, REFUND, REVERSAL, CLOSE and micropay in a durable journal before
    /// it is sent (`sqlite:///path/to/tradepay.db`, or a path), for
    /// [`Client::in_doubt`], [`Client::recover`] and [`Client::webhook_seen`]. Opened at
    /// build(): a journal that cannot be opened fails build() with a validation error.
    pub fn journal(mut self, url: impl Into<String>) -> Self {
        self.journal = Some(JournalSpec::Url(url.into()));
        self
    }

    /// Watches every attempt: a `request` event before it is sent, a `response` event
    /// after it ends (see [`crate::hooks`]). The clients `with_options` makes share them.
    pub fn hooks(mut self, hooks: Arc<dyn Hooks>) -> Self {
        self.hooks = Some(hooks);
        self
    }

    /// Like [`ClientBuilder::journal`], with a journal already open (shared by several
    /// clients, or another [`Journal`] implementation).
    pub fn journal_backend(mut self, journal: Arc<dyn Journal>) -> Self {
        self.journal = Some(JournalSpec::Backend(journal));
        self
    }

    /// How long after its last attempt an operation the gateway does not know is taken as
    /// never processed (the gateway's timestamp window, 300 s by default; protocol §2).
    /// Set it lower only against a gateway whose window is lower (a test sandbox).
    pub fn replay_window(mut self, window: Duration) -> Self {
        self.replay_window = window;
        self
    }

    /// Checks the configuration and builds the client. Building needs no runtime; sending
    /// requests needs a Tokio runtime (with time and I/O enabled).
    pub fn build(self) -> Result<Client, Error> {
        let base_url = self
            .base_url
            .ok_or_else(|| Error::option("base_url", "is required"))?;
        let access_no = self
            .access_no
            .filter(|a| !a.is_empty())
            .ok_or_else(|| Error::option("access_no", "is required"))?;
        if access_no.len() > 64 || access_no.chars().any(char::is_control) {
            return Err(Error::option(
                "access_no",
                "must be 1 to 64 characters without control characters",
            ));
        }
        let secret = self
            .secret
            .filter(|s| !s.is_empty())
            .ok_or_else(|| Error::option("secret", "is required"))?;
        // Every duration becomes `Instant::now() + d` somewhere: one range for all of them
        // (at most a day, protocol-wide), so no caller's value can overflow an instant.
        check_duration("timeout", self.timeout)?;
        check_duration("connect_timeout", self.connect_timeout)?;
        if let Some(deadline) = self.deadline {
            check_duration("deadline", deadline)?;
        }
        check_duration("retry_backoff", self.backoff)?;
        check_duration("retry_backoff", self.max_backoff)?;
        if self.max_retries > MAX_RETRIES {
            return Err(Error::option(
                "max_retries",
                format!("must be at most {MAX_RETRIES}"),
            ));
        }
        if self.timeout.is_zero() {
            return Err(Error::option("timeout", "must be greater than zero"));
        }
        if self.deadline.is_some_and(|d| d.is_zero()) {
            return Err(Error::option("deadline", "must be greater than zero"));
        }
        check_duration("replay_window", self.replay_window)?;
        let journal = match self.journal {
            None => None,
            Some(JournalSpec::Backend(j)) => Some(j),
            Some(JournalSpec::Url(url)) => Some(crate::journal::open_url(&url)?),
        }
        .map(|j| Arc::new(JournalHandle::new(j, self.replay_window)));
        let endpoint = endpoint(&base_url, self.allow_insecure_http)?;
        let mut user_agent = self
            .user_agent
            .unwrap_or_else(|| format!("tradepay-rust/{}", env!("CARGO_PKG_VERSION")));
        if let Some(fields) = &self.app_info {
            user_agent.push(' ');
            user_agent.push_str(&app_info_token(fields)?);
        }
        let user_agent = http::HeaderValue::from_str(&user_agent)
            .map_err(|_| Error::option("user_agent", "must be visible ASCII"))?;

        let (mut pems, mut native, mut webpki) =
            (self.root_pems, self.native_roots, self.webpki_roots);
        match self.tls_roots.as_deref() {
            None | Some("webpki") => {}
            Some("native") => (native, webpki) = (true, false),
            Some(_) => {
                return Err(Error::option(
                    "tls_roots",
                    "must be \"webpki\" or \"native\"",
                ))
            }
        }
        if let Some(ca) = self.ca_cert {
            check_ca_cert(&ca)?;
            pems.push(ca.into_bytes());
            (native, webpki) = (false, false);
        }
        let tls = tls_config(
            &pems,
            native,
            webpki,
            endpoint.scheme_str() == Some("https"),
        )?;
        let mut http = HttpConnector::new();
        http.enforce_http(false);
        http.set_nodelay(true);
        http.set_connect_timeout(Some(self.connect_timeout));
        let connector = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(tls)
            .https_or_http()
            .enable_http1()
            .enable_http2()
            .wrap_connector(http);
        let http = hyper_util::client::legacy::Client::builder(TokioExecutor::new())
            .pool_timer(TokioTimer::new())
            .timer(TokioTimer::new())
            .pool_idle_timeout(Duration::from_secs(60))
            .pool_max_idle_per_host(self.pool_max_idle_per_host)
            .build(connector);

        Ok(Client::from_config(
            Config {
                http,
                endpoint,
                access_no,
                secret,
                user_agent,
                stamps: self.stamps.unwrap_or_else(|| Arc::new(FastStamps)),
                backoff: self.backoff,
                max_backoff: self.max_backoff.max(self.backoff),
                journal,
                hooks: self.hooks,
            },
            Policy {
                max_retries: self.max_retries,
                timeout: self.timeout,
                deadline: self.deadline,
            },
        ))
    }
}

/// The system clock and a 32-character hex nonce from the thread-local CSPRNG: the same
/// guarantees as `SystemStamps` (128 random bits) without reading the OS source per request.
///
/// A forked child inherits the generator's state, so parent and child would draw the same
/// nonces and the gateway would refuse the second as reused (`10000004`). Folding the
/// process ID into the bits makes the two streams differ without a reseed hook.
struct FastStamps;

impl StampSource for FastStamps {
    fn stamp(&self) -> Stamp {
        use rand::Rng;
        let bits: u128 = rand::rng().random::<u128>() ^ (u128::from(std::process::id()) << 96);
        Stamp {
            timestamp: tradepay_types::time::now_unix(),
            nonce: hex32(bits),
        }
    }
}

/// `format!("{bits:032x}")` without the formatting machinery: one allocation of exactly 32
/// bytes and a table lookup per nibble.
fn hex32(bits: u128) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(32);
    for i in (0..32).rev() {
        out.push(char::from(DIGITS[((bits >> (i * 4)) & 0xf) as usize]));
    }
    out
}

/// A caller's duration within [`tradepay_types::duration::MAX_DURATION`], else a
/// validation error naming the option.
pub(crate) fn check_duration(option: &'static str, value: Duration) -> Result<Duration, Error> {
    tradepay_types::duration::check(option, value).map_err(Error::from)
}

/// True for exactly `localhost`, a literal 127.0.0.0/8 address and ::1: names that cannot
/// be made to resolve elsewhere. Any other name (`localhost.evil.com`,
/// `127.0.0.1.nip.io`, `a.localhost`) is whatever DNS says it is, so plain http to it
/// could leave the machine.
pub(crate) fn is_loopback_host(host: &str) -> bool {
    if host.eq_ignore_ascii_case("localhost") {
        return true;
    }
    match host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        Some(v6) => v6
            .parse::<std::net::Ipv6Addr>()
            .is_ok_and(|ip| ip.is_loopback()),
        None => host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback()),
    }
}

fn endpoint(base_url: &str, allow_insecure_http: bool) -> Result<Uri, Error> {
    let trimmed = base_url.trim().trim_end_matches('/');
    let uri: Uri = trimmed
        .parse()
        .map_err(|_| Error::option("base_url", "is not a valid URL"))?;
    // A user name or password in the URL would travel in logs, Debug output and error
    // reports; credentials are the access_no and secret. The message never repeats them.
    if uri.authority().is_some_and(|a| a.as_str().contains('@')) {
        return Err(Error::option(
            "base_url",
            "must not contain a user name or password (user:password@); \
             pass credentials with access_no and secret",
        ));
    }
    let host = uri
        .host()
        .filter(|h| !h.is_empty())
        .ok_or_else(|| Error::option("base_url", "must be an absolute URL with a host"))?;
    match uri.scheme_str() {
        Some("https") => {}
        Some("http") => {
            if !allow_insecure_http && !is_loopback_host(host) {
                return Err(Error::option(
                    "base_url",
                    "uses plain http:// to a host that is not loopback; use https://, \
                     or turn on the allow-insecure-http option (allow_insecure_http in Rust \
                     and Python, allowInsecureHttp in Node)",
                ));
            }
        }
        _ => {
            return Err(Error::option(
                "base_url",
                "must start with https:// or http://",
            ))
        }
    }
    if uri.query().is_some() {
        return Err(Error::option("base_url", "must not have a query string"));
    }
    format!("{trimmed}/v1/gateway")
        .parse()
        .map_err(|_| Error::option("base_url", "is not a valid URL"))
}

/// `name/version (+url)`: a User-Agent product token (RFC 9110) and a comment, so that
/// nothing a caller writes can split the header or pass for the SDK's own token.
fn app_info_token(fields: &serde_json::Map<String, serde_json::Value>) -> Result<String, Error> {
    let field = |key: &str| -> Result<Option<&str>, Error> {
        match fields.get(key) {
            None | Some(serde_json::Value::Null) => Ok(None),
            Some(serde_json::Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(Error::option("app_info", format!("{key} must be a string"))),
        }
    };
    if let Some(key) = fields
        .keys()
        .find(|k| !["name", "version", "url"].contains(&k.as_str()))
    {
        return Err(Error::option(
            "app_info",
            format!("{key} is not one of name, version, url"),
        ));
    }
    let token = |s: &str| {
        !s.is_empty()
            && s.len() <= 64
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
    };
    let name = field("name")?.ok_or_else(|| Error::option("app_info", "name is required"))?;
    if !token(name) {
        return Err(Error::option(
            "app_info",
            "name must be 1 to 64 letters, digits or !#$%&'*+-.^_`|~ (no spaces or '/')",
        ));
    }
    let mut out = name.to_owned();
    if let Some(version) = field("version")? {
        if !token(version) {
            return Err(Error::option(
                "app_info",
                "version must be 1 to 64 letters, digits or !#$%&'*+-.^_`|~ (no spaces or '/')",
            ));
        }
        out.push('/');
        out.push_str(version);
    }
    if let Some(url) = field("url")? {
        let plain = |b: u8| b.is_ascii_graphic() && !b"()\\".contains(&b);
        if url.is_empty() || url.len() > 256 || !url.bytes().all(plain) {
            return Err(Error::option(
                "app_info",
                "url must be 1 to 256 visible ASCII characters, without parentheses or backslashes",
            ));
        }
        out.push_str(" (+");
        out.push_str(url);
        out.push(')');
    }
    Ok(out)
}

/// A `ca_cert` that cannot be a root is refused under its own name, before anything is
/// built (`add_root_certificate_pem` bundles are checked by [`tls_config`]).
fn check_ca_cert(pem: &str) -> Result<(), Error> {
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(pem.as_bytes()) {
        let cert =
            cert.map_err(|_| Error::option("ca_cert", "not a valid PEM certificate bundle"))?;
        roots
            .add(cert)
            .map_err(|_| Error::option("ca_cert", "a certificate could not be used as a root"))?;
    }
    if roots.is_empty() {
        return Err(Error::option(
            "ca_cert",
            "no certificate found (expected PEM: -----BEGIN CERTIFICATE-----)",
        ));
    }
    Ok(())
}

fn tls_config(
    pems: &[Vec<u8>],
    native: bool,
    webpki: bool,
    required: bool,
) -> Result<rustls::ClientConfig, Error> {
    let mut roots = rustls::RootCertStore::empty();
    if webpki {
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    }
    if native {
        let found = rustls_native_certs::load_native_certs();
        let (added, _) = roots.add_parsable_certificates(found.certs);
        if added == 0 && required && !webpki && pems.is_empty() {
            return Err(Error::validation(
                "tls_native_roots: no certificate could be loaded from the system store",
            ));
        }
    }
    for pem in pems {
        let mut count = 0;
        for cert in CertificateDer::pem_slice_iter(pem) {
            let cert = cert.map_err(|_| {
                Error::validation("add_root_certificate_pem: not a valid PEM certificate bundle")
            })?;
            roots.add(cert).map_err(|_| {
                Error::validation(
                    "add_root_certificate_pem: a certificate could not be used as a root",
                )
            })?;
            count += 1;
        }
        if count == 0 {
            return Err(Error::validation(
                "add_root_certificate_pem: no certificate found in the PEM data",
            ));
        }
    }
    if roots.is_empty() && required {
        return Err(Error::validation(
            "no trusted root certificates: enable webpki or native roots, or add a CA",
        ));
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::validation(format!("TLS configuration: {e}")))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(config)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex32_is_fixed_width_lowercase_hex() {
        for bits in [
            0,
            1,
            0xabc,
            u128::MAX,
            0x0123_4567_89ab_cdef_fedc_ba98_7654_3210,
        ] {
            assert_eq!(hex32(bits), format!("{bits:032x}"));
        }
    }

    #[test]
    fn stamps_are_valid_and_fresh() {
        let a = FastStamps.stamp();
        let b = FastStamps.stamp();
        assert!(
            tradepay_types::body::is_valid_nonce(&a.nonce),
            "{}",
            a.nonce
        );
        assert_ne!(a.nonce, b.nonce);
        assert!((a.timestamp - tradepay_types::time::now_unix()).abs() <= 1);
    }

    #[test]
    fn max_retries_is_bounded() {
        let builder = Client::builder()
            .base_url("http://127.0.0.1:1")
            .access_no("acc")
            .secret("sk");
        assert!(builder.clone().max_retries(MAX_RETRIES).build().is_ok());
        let e = builder.max_retries(1_000_000_000).build().unwrap_err();
        assert_eq!(e.kind(), crate::ErrorKind::Validation);
        assert_eq!(e.field(), Some("max_retries"));
        assert_eq!(e.shown_message(), "max_retries: must be at most 10");
    }

    #[test]
    fn loopback_hosts() {
        for h in [
            "localhost",
            "127.0.0.1",
            "127.1.2.3",
            "[::1]",
            "::1",
            "LOCALHOST",
        ] {
            assert!(is_loopback_host(h), "{h}");
        }
        for h in [
            "example.com",
            "10.0.0.1",
            "[::2]",
            "localhost.example.com",
            "localhost.evil.com",
            "127.0.0.1.nip.io",
            "a.localhost",
            "localhost.",
            "127.0.0.1.",
            "[127.0.0.1]",
            "128.0.0.1",
        ] {
            assert!(!is_loopback_host(h), "{h}");
        }
    }

    #[test]
    fn plain_http_only_to_literal_loopback_or_exactly_localhost() {
        for ok in [
            "http://localhost:8080",
            "http://LocalHost",
            "http://127.0.0.1:1",
            "http://127.255.0.9",
            "http://[::1]:9000",
        ] {
            assert!(endpoint(ok, false).is_ok(), "{ok}");
        }
        for bad in [
            "http://localhost.evil.com",
            "http://127.0.0.1.nip.io:8080",
            "http://a.localhost",
            "http://shop.localhost:3000",
        ] {
            let e = endpoint(bad, false).unwrap_err();
            assert_eq!(e.kind(), crate::ErrorKind::Validation, "{bad}");
            assert!(e.message().contains("not loopback"), "{bad}: {e}");
        }
    }

    #[test]
    fn userinfo_is_refused_without_echoing_it() {
        for url in [
            "https://user:hunter2pass@gateway.example",
            "https://hunter2pass@gateway.example/base",
            "http://admin:hunter2pass@127.0.0.1:8080",
        ] {
            let b = Client::builder().base_url(url).access_no("a").secret("s");
            assert!(!format!("{b:?}").contains("hunter2pass"), "{url}");
            let e = b.build().unwrap_err();
            assert_eq!(e.kind(), crate::ErrorKind::Validation, "{url}");
            for text in [e.to_string(), format!("{e:?}")] {
                assert!(!text.contains("hunter2pass"), "{url}: {text}");
            }
            assert!(e.message().contains("user name or password"), "{e}");
        }
    }

    #[test]
    fn insecure_http_refused_unless_allowed() {
        assert!(endpoint("http://example.com", false).is_err());
        assert!(endpoint("http://example.com", true).is_ok());
        assert!(endpoint("http://127.0.0.1:8080/", false).is_ok());
        assert_eq!(
            endpoint("https://gw.example/base/", false)
                .unwrap()
                .to_string(),
            "https://gw.example/base/v1/gateway"
        );
        assert!(endpoint("ftp://gw.example", false).is_err());
        assert!(endpoint("https://gw.example?x=1", false).is_err());
        assert!(endpoint("not a url", false).is_err());
    }

    #[test]
    fn build_errors_are_validation() {
        let e = Client::builder().build().unwrap_err();
        assert_eq!(e.kind(), crate::ErrorKind::Validation);
        let e = Client::builder()
            .base_url("http://gateway.example")
            .access_no("a")
            .secret("s")
            .build()
            .unwrap_err();
        assert_eq!(e.kind(), crate::ErrorKind::Validation);
        let e = Client::builder()
            .base_url("https://gateway.example")
            .access_no("a")
            .secret("s")
            .add_root_certificate_pem(b"garbage")
            .build()
            .unwrap_err();
        assert_eq!(e.kind(), crate::ErrorKind::Validation);
        assert!(Client::builder()
            .base_url("https://gateway.example")
            .access_no("a")
            .secret("s")
            .build()
            .is_ok());
    }

    #[test]
    fn debug_hides_the_secret() {
        let b = Client::builder().secret("hunter2-very-secret");
        assert!(!format!("{b:?}").contains("hunter2"));
        let c = b
            .base_url("http://127.0.0.1:1")
            .access_no("a")
            .build()
            .unwrap();
        assert!(!format!("{c:?}").contains("hunter2"));
    }
}
