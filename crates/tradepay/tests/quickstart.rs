//! The quickstart is part of the test suite: every flow it shows must keep working.

#[path = "../../../examples/rust/quickstart.rs"]
mod quickstart;

#[test]
fn quickstart_runs_every_flow() {
    quickstart::main().expect("the quickstart failed");
}
