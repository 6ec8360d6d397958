//! Amounts, currencies and metadata: never a panic; what parses prints back to itself.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tradepay_types::{Amount, Currency, Metadata};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match Amount::parse(text) {
        Ok(a) => {
            // The accepted form: ^[0-9]+(\.[0-9]{1,2})?$, 0.01 to 9999999999.99.
            let (whole, frac) = text.split_once('.').unwrap_or((text, ""));
            assert!(!whole.is_empty() && whole.bytes().all(|b| b.is_ascii_digit()));
            assert!(frac.len() <= 2 && frac.bytes().all(|b| b.is_ascii_digit()));
            assert!(!text.ends_with('.'));
            assert!(a >= Amount::MIN && a <= Amount::MAX);
            assert_eq!(Amount::parse(&a.to_string()).unwrap(), a);
        }
        Err(e) => assert_eq!(e.code(), Some("22070010")),
    }
    if let Ok(c) = Currency::from_user(text) {
        assert_eq!(Currency::from_wire(c.code()).unwrap(), c);
    }
    if let Ok(map) = serde_json::from_str::<Metadata>(text) {
        if map.validate().is_ok() {
            assert!(map.to_compact_json().len() <= 1024);
        }
    }
});
