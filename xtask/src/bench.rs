//! Benchmarks, each a ratio against a baseline measured in the same run, so that the
//! machine's speed cancels out. Nothing here asserts a time; it prints what it measured.

use crate::util::{cargo, Result};

pub fn run(args: &[String]) -> Result {
    let only = args.first().map(String::as_str);
    let want = |name: &str| only.is_none_or(|o| o == name);
    if want("sandbox") {
        crate::util::banner("bench: sandbox vs bare hyper echo");
        crate::util::run(cargo().args([
            "bench",
            "-p",
            "tradepay-sandbox",
            "--bench",
            "throughput",
        ]))?;
    }
    if want("client") {
        crate::util::banner("bench: client vs raw hyper client");
        crate::util::run(cargo().args([
            "bench",
            "-p",
            "tradepay-transport",
            "--bench",
            "client_overhead",
        ]))?;
    }
    if want("python") {
        crate::util::banner("bench: Python package vs requests, httpx, aiohttp");
        crate::python::bench()?;
    }
    if want("node") {
        crate::util::banner("bench: Node package vs undici, fetch");
        crate::node::bench()?;
    }
    Ok(())
}
