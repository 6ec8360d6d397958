//! The tradepay sandbox gateway.
