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

/// An HMAC-SHA256 already keyed: the inner and outer pad states, computed once so that a
/// signature costs the body's blocks only, not two more for the key (every request is signed
/// and its answer verified with the same secret).
///
/// The states are as good as the key for making signatures. The `hmac` crate gives them no
/// zeroize support and this crate forbids `unsafe`, so on drop they are overwritten with the
/// states of the empty key and the write is kept alive with `black_box`: the same guarantee
/// `zeroize` gives for the key text, short of its volatile writes. The copies made per call
/// live on the stack and are not wiped, as the states built per call were not before.
#[derive(Clone)]
pub(crate) struct KeyedMac(Hmac<Sha256>);

impl KeyedMac {
    pub(crate) fn new(key: &[u8]) -> KeyedMac {
        // HMAC takes keys of any length, so this cannot fail.
        KeyedMac(
            <Hmac<Sha256> as Mac>::new_from_slice(key)
                .unwrap_or_else(|_| unreachable!("HMAC accepts keys of every length")),
        )
    }

    /// A fresh copy of the keyed state, ready for a body.
    pub(crate) fn start(&self) -> Hmac<Sha256> {
        self.0.clone()
    }
}

impl Drop for KeyedMac {
    fn drop(&mut self) {
        self.0 = <Hmac<Sha256> as Mac>::new_from_slice(&[])
            .unwrap_or_else(|_| unreachable!("HMAC accepts keys of every length"));
        std::hint::black_box(&mut self.0);
    }
}

/// An access party's secret. It never appears in `Debug` or `Display` output, is compared
/// in constant time, and is wiped from memory when dropped.
#[derive(Clone)]
pub struct Secret {
    text: Zeroizing<String>,
    mac: KeyedMac,
}

impl PartialEq for Secret {
    fn eq(&self, other: &Self) -> bool {
        bool::from(self.text.as_bytes().ct_eq(other.text.as_bytes()))
    }
}

impl Eq for Secret {}

// The text lives in a `Zeroizing`, which wipes it on drop; the keyed state is overwritten
// on drop (see `KeyedMac`).
impl zeroize::ZeroizeOnDrop for Secret {}

impl Secret {
    /// Wraps a secret.
    pub fn new(secret: impl Into<String>) -> Self {
        let text = Zeroizing::new(secret.into());
        let mac = KeyedMac::new(text.as_bytes());
        Secret { text, mac }
    }

    /// The secret itself, for code that must pass it on (a binding, a config file).
    pub fn expose(&self) -> &str {
        &self.text
    }

    /// True when the secret is empty.
    pub fn is_empty(&self) -> bool {
        self.text.is_empty()
    }

    /// The signature of `body`: standard base64, with padding.
    pub fn sign(&self, body: &[u8]) -> String {
        let mut mac = self.mac.start();
        mac.update(body);
        STANDARD.encode(mac.finalize().into_bytes())
    }

    /// Checks a signature in constant time.
    pub fn verify(&self, body: &[u8], signature: &str) -> Result<(), Error> {
        let raw = STANDARD
            .decode(signature.trim())
            .map_err(|_| Error::signature("signature is not standard base64"))?;
        let mut mac = self.mac.start();
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

#[cfg(test)]
mod tests {
    use super::*;

    fn keyed_per_call(key: &[u8], body: &[u8]) -> String {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).unwrap();
        mac.update(body);
        STANDARD.encode(mac.finalize().into_bytes())
    }

    #[test]
    fn the_state_keyed_once_signs_as_a_key_per_call_does() {
        // Empty, short, one block, and longer than a block (hashed first by HMAC).
        let keys = [String::new(), "sk_1".into(), "k".repeat(64), "k".repeat(65)];
        for key in keys {
            let secret = Secret::new(key.clone());
            let copy = secret.clone();
            for body in [&b""[..], b"{}", &[7u8; 200][..]] {
                let expected = keyed_per_call(key.as_bytes(), body);
                // Twice: signing must not consume or change the kept state.
                assert_eq!(secret.sign(body), expected);
                assert_eq!(secret.sign(body), expected);
                assert_eq!(copy.sign(body), expected);
                assert!(secret.verify(body, &expected).is_ok());
                assert!(secret.verify(b"other", &expected).is_err());
            }
        }
    }
}
