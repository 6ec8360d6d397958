//! Runs the cargo-fuzz targets.

use crate::util::Result;

pub fn run(_args: &[String]) -> Result {
    Err("no fuzz target is written yet".into())
}
