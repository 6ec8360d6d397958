//! Fault injection: rules that break requests on purpose, by count or by seeded probability.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};

use crate::SandboxError;

/// How a request is broken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum FaultKind {
    /// Close the connection before handling the request (nothing happened).
    CloseBefore,
    /// Handle and commit the request, then close the connection without answering.
    CloseAfterCommit,
    /// Answer HTTP 503 without handling the request.
    #[serde(rename = "http_503")]
    Http503,
    /// Answer HTTP 429 with `Retry-After` without handling the request.
    #[serde(rename = "http_429")]
    Http429,
    /// Answer a signed `90000001` (system busy) without handling the request.
    Busy,
    /// Wait `delay_ms`, then handle the request normally.
    Delay,
    /// Handle the request, then send only part of the body and close.
    Truncate,
    /// Handle the request and sign the answer with the wrong key.
    BadSignature,
    /// Handle the request and send the answer without `X-Signature`.
    NoSignature,
    /// Handle and commit the request, then answer a signed `90000002` (channel timeout:
    /// the outcome is unknown to the caller, though it happened).
    ChannelTimeout,
    /// Handle the request normally and add a field no SDK version knows
    /// (`x_future_field`) to the signed answer's `data`, as a newer gateway would.
    FutureField,
}

/// One rule. Without `count` or `probability` it applies to every matching request until
/// cleared; with `count` to the next N; with `probability` at random, reproducibly from
/// `seed` (default: the sandbox seed). Both together: at random, at most N times.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FaultRule {
    /// What to do.
    pub kind: FaultKind,
    /// Only requests with this `transType` (any when `None`).
    #[serde(default)]
    pub trans_type: Option<String>,
    /// Apply to at most this many matching requests.
    #[serde(default)]
    pub count: Option<u32>,
    /// Fire with this probability (0 to 1) on each matching request.
    #[serde(default)]
    pub probability: Option<f64>,
    /// Seed of this rule's random draws.
    #[serde(default)]
    pub seed: Option<u64>,
    /// For `delay`: milliseconds to wait (default 1000).
    #[serde(default)]
    pub delay_ms: Option<u64>,
    /// For `http_429`: the `Retry-After` seconds (default 1).
    #[serde(default)]
    pub retry_after: Option<u64>,
}

impl FaultRule {
    /// The rules of a binding's argument (a list of objects), with one message for a bad one
    /// in every language.
    pub fn list_from_json(rules: serde_json::Value) -> Result<Vec<FaultRule>, crate::SandboxError> {
        serde_json::from_value(rules)
            .map_err(|e| crate::SandboxError::Invalid(format!("fault rules: {e}")))
    }

    /// A rule of `kind` for every request, to narrow with the other fields.
    pub fn new(kind: FaultKind) -> FaultRule {
        FaultRule {
            kind,
            trans_type: None,
            count: None,
            probability: None,
            seed: None,
            delay_ms: None,
            retry_after: None,
        }
    }
}

/// The fault chosen for one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Fault {
    pub kind: FaultKind,
    pub delay_ms: u64,
    pub retry_after: u64,
}

struct Active {
    rule: FaultRule,
    remaining: Option<u32>,
    rng: StdRng,
}

#[derive(Default)]
pub(crate) struct Faults {
    // Checked without the lock so that requests pay nothing while no rule is set.
    armed: AtomicBool,
    rules: Mutex<Vec<Active>>,
}

impl Faults {
    pub fn set(&self, rules: Vec<FaultRule>, default_seed: u64) -> Result<(), SandboxError> {
        let mut active = Vec::with_capacity(rules.len());
        for rule in rules {
            if let Some(p) = rule.probability {
                if !(0.0..=1.0).contains(&p) {
                    return Err(SandboxError::Invalid(format!(
                        "fault probability must be between 0 and 1, not {p}"
                    )));
                }
            }
            // A delay is a deadline the connection is held to; past a day it is a hang.
            if let Some(ms) = rule.delay_ms {
                tradepay_types::duration::check("delay_ms", Duration::from_millis(ms))
                    .map_err(|e| SandboxError::Invalid(format!("fault {e}")))?;
            }
            if let Some(secs) = rule.retry_after {
                tradepay_types::duration::check("retry_after", Duration::from_secs(secs))
                    .map_err(|e| SandboxError::Invalid(format!("fault {e}")))?;
            }
            if let Some(t) = &rule.trans_type {
                if !tradepay_types::TransType::from_wire(t).is_known() {
                    return Err(SandboxError::Invalid(format!("unknown trans_type {t:?}")));
                }
            }
            let rng = StdRng::seed_from_u64(rule.seed.unwrap_or(default_seed));
            active.push(Active {
                remaining: rule.count,
                rule,
                rng,
            });
        }
        let mut guard = self.rules.lock().unwrap_or_else(|p| p.into_inner());
        self.armed.store(!active.is_empty(), Ordering::Release);
        *guard = active;
        Ok(())
    }

    pub fn clear(&self) {
        let mut guard = self.rules.lock().unwrap_or_else(|p| p.into_inner());
        guard.clear();
        self.armed.store(false, Ordering::Release);
    }

    pub fn is_armed(&self) -> bool {
        self.armed.load(Ordering::Acquire)
    }

    /// The fault for a request of `trans_type`, if a rule fires: the first matching rule
    /// that fires wins, and a rule spends one of its `count` only when it fires.
    pub fn pick(&self, trans_type: Option<&str>) -> Option<Fault> {
        if !self.is_armed() {
            return None;
        }
        let mut guard = self.rules.lock().unwrap_or_else(|p| p.into_inner());
        for active in guard.iter_mut() {
            if let Some(want) = &active.rule.trans_type {
                if trans_type != Some(want.as_str()) {
                    continue;
                }
            }
            if active.remaining == Some(0) {
                continue;
            }
            if let Some(p) = active.rule.probability {
                // Drawn for every matching request, so the sequence depends only on the seed
                // and the order of requests.
                let draw: f64 = active.rng.random();
                if draw >= p {
                    continue;
                }
            }
            if let Some(n) = active.remaining.as_mut() {
                *n -= 1;
            }
            return Some(Fault {
                kind: active.rule.kind,
                delay_ms: active.rule.delay_ms.unwrap_or(1000),
                retry_after: active.rule.retry_after.unwrap_or(1),
            });
        }
        None
    }
}
