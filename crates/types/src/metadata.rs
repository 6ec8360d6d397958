//! Passthrough metadata and its three limits (protocol §5), measured on the bytes sent.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::code::FORMAT_METADATA;
use crate::error::Error;

/// Longest key, in UTF-8 bytes.
pub const MAX_KEY_BYTES: usize = 40;
/// Longest value, in UTF-8 bytes.
pub const MAX_VALUE_BYTES: usize = 500;
/// Longest compact JSON encoding of the whole map, non-ASCII written raw.
pub const MAX_JSON_BYTES: usize = 1024;

/// A map of strings the gateway stores with the order and gives back unchanged.
///
/// Keys are kept sorted, so the bytes measured are the bytes sent.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Metadata(pub BTreeMap<String, String>);

impl Metadata {
    /// An empty map.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds or replaces an entry; the limits are checked by [`Metadata::validate`].
    pub fn insert(&mut self, key: impl Into<String>, value: impl Into<String>) -> &mut Self {
        self.0.insert(key.into(), value.into());
        self
    }

    /// The compact JSON the wire carries (what the 1024-byte limit measures).
    pub fn to_compact_json(&self) -> String {
        serde_json::to_string(&self.0).unwrap_or_default()
    }

    /// Checks every key, every value and the encoded size, in that order.
    pub fn validate(&self) -> Result<(), Error> {
        for (key, value) in &self.0 {
            if key.is_empty() {
                return Err(invalid("keys must not be empty".into()));
            }
            if key.len() > MAX_KEY_BYTES {
                return Err(invalid(format!(
                    "key of {} bytes is over the limit of {MAX_KEY_BYTES} bytes",
                    key.len()
                )));
            }
            if value.len() > MAX_VALUE_BYTES {
                return Err(invalid(format!(
                    "value of key {key:?} is {} bytes, over the limit of {MAX_VALUE_BYTES} bytes",
                    value.len()
                )));
            }
        }
        let encoded = self.to_compact_json().len();
        if encoded > MAX_JSON_BYTES {
            return Err(invalid(format!(
                "JSON encoding is {encoded} bytes, over the limit of {MAX_JSON_BYTES} bytes"
            )));
        }
        Ok(())
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True when there are no entries.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

fn invalid(rule: String) -> Error {
    Error::validation(FORMAT_METADATA, "metadata", rule)
}

impl<K: Into<String>, V: Into<String>> FromIterator<(K, V)> for Metadata {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        Metadata(
            iter.into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        )
    }
}
