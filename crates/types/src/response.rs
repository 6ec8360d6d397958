//! Turning a signed HTTP 200 response into a trusted envelope (protocol §3).

use crate::envelope::Envelope;
use crate::error::Error;
use crate::signing::Secret;

/// Verifies and parses the body of an HTTP 200 response.
///
/// A valid signature makes the body trusted. Without one, only an authentication envelope
/// (`1000xxxx`) is accepted, because the gateway never signs those; any other unsigned or
/// wrongly signed body is a [`crate::ErrorKind::Signature`] error and its `data` must not be
/// acted on. A signed body that is not an envelope is a protocol error.
pub fn open_response(
    secret: &Secret,
    body: &[u8],
    signature: Option<&str>,
) -> Result<Envelope, Error> {
    let verdict = match signature {
        Some(sig) => secret.verify(body, sig),
        None => Err(Error::signature("response is not signed")),
    };
    let envelope = Envelope::parse(body);
    match (verdict, envelope) {
        (Ok(()), envelope) => envelope,
        (Err(_), Ok(envelope)) if crate::code::may_come_unsigned(&envelope.code) => Ok(envelope),
        (Err(e), _) => Err(e),
    }
}
