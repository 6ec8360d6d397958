//! Request bodies as the gateway reads them, and the client's re-encoding of what it accepts.
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde_json::{Map, Value};
use tradepay_types::request::{
    CloseRequest, Operation, PayRequest, QueryRequest, RefundQueryRequest, RefundRequest,
    ReversalRequest,
};
use tradepay_types::{IncomingRequest, TransType};

/// A request the gateway accepted must be sent again by the client unchanged in meaning:
/// `to_data` succeeds and reads back as the same request.
fn round_trip<R, F>(req: R, from_data: F)
where
    R: Operation + PartialEq + std::fmt::Debug,
    F: Fn(&Map<String, Value>) -> Result<R, tradepay_types::Error>,
{
    let data = req.to_data().expect("an accepted request re-encodes");
    let again = from_data(&data).expect("a re-encoded request is accepted");
    assert_eq!(again, req);
}

fuzz_target!(|data: &[u8]| {
    let Ok(incoming) = IncomingRequest::parse(data) else {
        return;
    };
    assert!(tradepay_types::body::is_valid_nonce(&incoming.nonce));
    let Ok(trans) = incoming.trans_type() else {
        return;
    };
    let Ok(data) = incoming.data() else {
        return;
    };
    match trans {
        TransType::Pay => {
            if let Ok(r) = PayRequest::from_data(data) {
                assert!(r.same_parameters(&r));
                round_trip(r, PayRequest::from_data)
            }
        }
        TransType::Query => {
            if let Ok(r) = QueryRequest::from_data(data) {
                round_trip(r, QueryRequest::from_data)
            }
        }
        TransType::Refund => {
            if let Ok(r) = RefundRequest::from_data(data) {
                round_trip(r, RefundRequest::from_data)
            }
        }
        TransType::RefundQuery => {
            if let Ok(r) = RefundQueryRequest::from_data(data) {
                round_trip(r, RefundQueryRequest::from_data)
            }
        }
        TransType::Reversal => {
            if let Ok(r) = ReversalRequest::from_data(data) {
                round_trip(r, ReversalRequest::from_data)
            }
        }
        TransType::Close => {
            if let Ok(r) = CloseRequest::from_data(data) {
                round_trip(r, CloseRequest::from_data)
            }
        }
        TransType::Unknown(_) => unreachable!("trans_type() refuses unknown values"),
    }
});
