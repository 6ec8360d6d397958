//! The next_action page in a real headless browser.

use crate::util::Result;

pub fn test() -> Result {
    Err("the browser test is not written yet".into())
}
