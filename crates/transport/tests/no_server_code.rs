//! The client compiles no HTTP server code: in the transport's own normal dependency
//! graph, neither hyper nor hyper-util has a `server` feature on. (Within a workspace
//! build that also builds the sandbox, cargo unifies features and turns them on anyway;
//! this checks what a user depending on the client alone gets.)

use std::process::Command;

#[test]
fn hyper_server_features_are_not_in_the_clients_graph() {
    let manifest = concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml");
    let out = Command::new(env!("CARGO"))
        .args([
            "tree",
            "--offline",
            "--manifest-path",
            manifest,
            "-p",
            "tradepay-transport",
            "-e",
            "normal,features",
            "--prefix",
            "none",
        ])
        .output()
        .expect("cargo tree runs");
    let tree = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "cargo tree failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The graph was read: the client's own features are there.
    assert!(tree.contains("hyper feature \"client\""), "{tree}");
    assert!(
        tree.contains("hyper-util feature \"client-legacy\""),
        "{tree}"
    );
    let server: Vec<&str> = tree
        .lines()
        .filter(|l| {
            l.starts_with("hyper feature \"server") || l.starts_with("hyper-util feature \"server")
        })
        .collect();
    assert!(
        server.is_empty(),
        "server features in the client: {server:?}"
    );
}
