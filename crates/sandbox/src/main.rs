//! `tradepay-sandbox`: serves the sandbox gateway until SIGINT or SIGTERM (see
//! [`tradepay_sandbox::cli`]).

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    ExitCode::from(tradepay_sandbox::cli::run(&args))
}
