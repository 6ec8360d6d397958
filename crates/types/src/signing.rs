//! `X-Signature`: HMAC-SHA256 of the exact body bytes, standard base64 (protocol §2, §3).

use std::fmt;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq as _;
use zeroize::Zeroizing;

use crate::error::Error;

/// The header that carries request and response signatures.
pub const SIGNATURE_HEADER: &str = "x-signature";

/// An access party's secret. It never appears in `Debug` or `Display` output, is compared
/// in constant time, and is wiped from memory when dropped.
#[derive(Clone)]
pub struct Secret(Zeroizing<String>);

impl PartialEq for Secret {
    fn eq(&self, other: &Self) -> bool {
        bool::from(self.0.as_bytes().ct_eq(other.0.as_bytes()))
    }
}

impl Eq for Secret {}

// The text lives in a `Zeroizing`, which wipes it on drop.
impl zeroize::ZeroizeOnDrop for Secret {}

impl Secret {
    /// Wraps a secret.
    pub fn new(secret: impl Into<String>) -> Self {
        Secret(Zeroizing::new(secret.into()))
    }

    /// The secret itself, for code that must pass it on (a binding, a config file).
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// True when the secret is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn mac(&self) -> Hmac<Sha256> {
        // HMAC takes keys of any length, so this cannot fail.
        <Hmac<Sha256> as Mac>::new_from_slice(self.0.as_bytes())
            .unwrap_or_else(|_| unreachable!("HMAC accepts keys of every length"))
    }

    /// The signature of `body`: standard base64, with padding.
    pub fn sign(&self, body: &[u8]) -> String {
        let mut mac = self.mac();
        mac.update(body);
        STANDARD.encode(mac.finalize().into_bytes())
    }

    /// Checks a signature in constant time.
    pub fn verify(&self, body: &[u8], signature: &str) -> Result<(), Error> {
        let raw = STANDARD
            .decode(signature.trim())
            .map_err(|_| Error::signature("signature is not standard base64"))?;
        let mut mac = self.mac();
        mac.update(body);
        mac.verify_slice(&raw)
            .map_err(|_| Error::signature("signature does not match the body"))
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

impl From<&str> for Secret {
    fn from(s: &str) -> Self {
        Secret::new(s)
    }
}

impl From<String> for Secret {
    fn from(s: String) -> Self {
        Secret::new(s)
    }
}

/// A credential shown by its last four characters only (`…a1b2`), for `Debug` output.
pub fn masked(credential: &str) -> String {
    let skip = credential.chars().count().saturating_sub(4);
    let tail: String = credential.chars().skip(skip).collect();
    format!("…{tail}")
}
