//! tradepay.
