//! Builds the Node addon and runs its suites.

use crate::util::Result;

pub fn test() -> Result {
    Err("the Node suite is not written yet".into())
}

pub fn bench() -> Result {
    Err("this benchmark is not written yet".into())
}
