//! Per-call overrides: a client that shares another's pool and configuration and differs in
//! its timeout, retries or deadline (`with_options`, the OpenAI/Anthropic SDK convention).

use std::time::Duration;

use crate::builder::{check_duration, MAX_RETRIES};
use crate::client::Client;
use crate::error::Error;

/// What [`Client::with_options`] overrides; `None` keeps the client's own value.
///
/// ```
/// # fn f(client: &tradepay_transport::Client) -> Result<(), tradepay_transport::Error> {
/// use std::time::Duration;
/// use tradepay_transport::CallOptions;
/// let quick = client.with_options(&CallOptions {
///     timeout: Some(Duration::from_secs(2)),
///     max_retries: Some(0),
///     ..CallOptions::default()
/// })?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CallOptions {
    /// The per-attempt timeout.
    pub timeout: Option<Duration>,
    /// How many times a failed attempt is retried (at most [`MAX_RETRIES`]).
    pub max_retries: Option<u32>,
    /// The bound of each call, retries and backoff included.
    pub deadline: Option<Duration>,
}

impl CallOptions {
    /// `self`, with what `later` sets on top: `with_options` of a client made by
    /// `with_options`.
    pub fn then(self, later: &CallOptions) -> CallOptions {
        CallOptions {
            timeout: later.timeout.or(self.timeout),
            max_retries: later.max_retries.or(self.max_retries),
            deadline: later.deadline.or(self.deadline),
        }
    }

    /// Refuses what `ClientBuilder::build` refuses, with the same messages.
    pub fn check(&self) -> Result<(), Error> {
        for (name, value) in [("timeout", self.timeout), ("deadline", self.deadline)] {
            if let Some(d) = value {
                check_duration(name, d)?;
                if d.is_zero() {
                    return Err(Error::option(name, "must be greater than zero"));
                }
            }
        }
        if self.max_retries.is_some_and(|n| n > MAX_RETRIES) {
            return Err(Error::option(
                "max_retries",
                format!("must be at most {MAX_RETRIES}"),
            ));
        }
        Ok(())
    }
}

impl Client {
    /// A client for some calls with other limits: the same connection pool, credentials
    /// and journal, and `options` in place of this client's timeout, retries or deadline.
    /// This client is unchanged. Cheap (no new connection); refuses what `build()` refuses.
    pub fn with_options(&self, options: &CallOptions) -> Result<Client, Error> {
        options.check()?;
        let mut client = self.clone();
        if let Some(timeout) = options.timeout {
            client.policy.timeout = timeout;
        }
        if let Some(retries) = options.max_retries {
            client.policy.max_retries = retries;
        }
        if let Some(deadline) = options.deadline {
            client.policy.deadline = Some(deadline);
        }
        Ok(client)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client() -> Client {
        Client::builder()
            .base_url("http://127.0.0.1:9")
            .access_no("acc")
            .secret("sk")
            .build()
            .unwrap()
    }

    #[test]
    fn overrides_only_what_it_is_given_and_shares_the_pool() {
        let base = client();
        let quick = base
            .with_options(&CallOptions {
                timeout: Some(Duration::from_millis(200)),
                max_retries: Some(0),
                ..CallOptions::default()
            })
            .unwrap();
        assert_eq!(quick.timeout(), Duration::from_millis(200));
        assert_eq!(quick.max_retries(), 0);
        assert_eq!(quick.deadline(), None);
        assert_eq!(base.timeout(), crate::DEFAULT_TIMEOUT);
        assert_eq!(base.max_retries(), crate::DEFAULT_MAX_RETRIES);
        assert!(quick.shares_pool_with(&base));
        assert!(!client().shares_pool_with(&base));
    }

    #[test]
    fn refuses_what_build_refuses() {
        let base = client();
        let bad = |o: CallOptions| base.with_options(&o).unwrap_err().shown_message();
        assert_eq!(
            bad(CallOptions {
                timeout: Some(Duration::ZERO),
                ..CallOptions::default()
            }),
            "timeout: must be greater than zero"
        );
        assert_eq!(
            bad(CallOptions {
                max_retries: Some(11),
                ..CallOptions::default()
            }),
            "max_retries: must be at most 10"
        );
        assert!(bad(CallOptions {
            deadline: Some(Duration::from_secs(2 * 86_400)),
            ..CallOptions::default()
        })
        .starts_with("deadline: "));
    }

    #[test]
    fn later_options_win() {
        let first = CallOptions {
            timeout: Some(Duration::from_secs(1)),
            max_retries: Some(1),
            deadline: None,
        };
        let later = CallOptions {
            timeout: Some(Duration::from_secs(2)),
            ..CallOptions::default()
        };
        let both = first.then(&later);
        assert_eq!(both.timeout, Some(Duration::from_secs(2)));
        assert_eq!(both.max_retries, Some(1));
    }
}
