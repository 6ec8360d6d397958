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
        // Flags after the name go to the bench binary (`--quick`, `--no-breakdown`).
        let passed: Vec<&str> = args
            .iter()
            .skip(1)
            .map(String::as_str)
            .filter(|a| *a != "--callgrind")
            .collect();
        let mut cmd = cargo();
        cmd.args([
            "bench",
            "-p",
            "tradepay-transport",
            "--bench",
            "client_overhead",
            "--",
        ]);
        cmd.args(&passed);
        crate::util::run(&mut cmd)?;
        if args.iter().any(|a| a == "--callgrind") {
            crate::util::banner("bench: client vs raw hyper client, instructions (callgrind)");
            client_callgrind()?;
        }
    }
    if want("journal") {
        crate::util::banner("bench: card PAYs, no journal vs SQLite vs PostgreSQL");
        let pg = crate::postgres::start()?;
        crate::util::run(
            cargo()
                .args(["bench", "-p", "tradepay-transport", "--bench", "journal"])
                .env("TRADEPAY_BENCH_POSTGRES", &pg.url),
        )?;
    }
    if want("bindings") {
        crate::util::banner("bench: Python and Node packages vs the Rust client");
        crate::bindings_bench::run_bench()?;
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

/// Requests per side under callgrind: enough that the per-request figure is stable (the
/// count is exact and does not depend on the machine's load), few enough to take well under
/// a minute per run.
const CALLGRIND_REQUESTS: u32 = 300;

/// The client bench under `valgrind --tool=callgrind`, once per side and operation, counting
/// only the measured loop; then the bench attributes every function's instructions.
fn client_callgrind() -> Result {
    let built = crate::util::output(cargo().args([
        "bench",
        "-p",
        "tradepay-transport",
        "--bench",
        "client_overhead",
        "--no-run",
        "--message-format=json",
    ]))?;
    // The line of the bench's artifact carries `"executable":"<path>"`.
    let exe = built
        .lines()
        .filter(|l| l.contains("client_overhead") && l.contains("\"executable\":\""))
        .find_map(|l| {
            let rest = l.split("\"executable\":\"").nth(1)?;
            rest.split('"').next().map(str::to_owned)
        })
        .ok_or("cargo did not name the client_overhead executable")?;
    let dir = crate::util::target_dir().join("callgrind");
    std::fs::create_dir_all(&dir)?;
    let n = CALLGRIND_REQUESTS.to_string();
    for mode in ["raw-query", "client-query", "raw-pay", "client-pay"] {
        let out = dir.join(format!("{mode}.out"));
        crate::util::run(
            std::process::Command::new("valgrind")
                .arg("--tool=callgrind")
                .arg("--toggle-collect=*measured_loop*")
                .arg(format!("--callgrind-out-file={}", out.display()))
                .arg("-q")
                .arg(&exe)
                .args(["--only", mode, "--n", &n]),
        )?;
    }
    crate::util::run(
        std::process::Command::new(&exe)
            .arg("--callgrind-report")
            .arg(&dir)
            .args(["--n", &n]),
    )
}
