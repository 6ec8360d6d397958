//! Benchmarks, each a ratio against a baseline measured in the same run.

use crate::util::Result;

pub fn run(_args: &[String]) -> Result {
    Err("no benchmark is written yet".into())
}
