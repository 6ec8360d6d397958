//! The tradepay client.
