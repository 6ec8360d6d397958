//! Response bodies: envelope parsing, order and refund reading, and response signing.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tradepay_types::response::open_response;
use tradepay_types::{Envelope, Refund, Secret, Trade};

fuzz_target!(|data: &[u8]| {
    let secret = Secret::new("sk_fuzz");
    let Ok(envelope) = Envelope::parse(data) else {
        // Not an envelope: unsigned it is untrusted, signed it is a protocol error.
        assert!(open_response(&secret, data, None).is_err());
        assert!(open_response(&secret, data, Some(&secret.sign(data))).is_err());
        return;
    };
    assert!(tradepay_types::code::is_well_formed(&envelope.code));
    // What we write back reads back the same.
    let again = Envelope::parse(&envelope.to_vec()).expect("re-encoded envelope parses");
    assert_eq!(again, envelope);
    // A signed envelope is trusted as it is.
    let opened = open_response(&secret, data, Some(&secret.sign(data))).expect("signed");
    assert_eq!(opened, envelope);
    // Unsigned, only a `1000xxxx` authentication answer gets through (protocol §9).
    let unsigned = open_response(&secret, data, None);
    assert_eq!(
        unsigned.is_ok(),
        tradepay_types::code::may_come_unsigned(&envelope.code)
    );
    if let Ok(trade) = envelope.data_as::<Trade>() {
        let json = serde_json::to_value(&trade).expect("trade serializes");
        let back: Trade = serde_json::from_value(json).expect("trade reads back");
        assert_eq!(back, trade);
        assert_eq!(Some(&trade.status), envelope.status().as_ref());
    }
    if let Ok(refund) = envelope.data_as::<Refund>() {
        let json = serde_json::to_value(&refund).expect("refund serializes");
        let back: Refund = serde_json::from_value(json).expect("refund reads back");
        assert_eq!(back, refund);
    }
});
