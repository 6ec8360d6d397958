//! A throwaway PostgreSQL for the journal's tests: found under /usr/lib/postgresql (or
//! installed from Debian's `postgresql` package), a cluster in target/xtask/pg owned by the
//! `postgres` user (the server refuses to run as root), trust auth on 127.0.0.1 only, a
//! free port; stopped when the guard drops.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::util::{run, target_dir, Result};

/// The one role that must authenticate with a password (the others are trusted).
const PASSWORD_ROLE: &str = "tp_password_role";

/// A running cluster; stopped (fast) on drop.
pub struct TestPostgres {
    bin: PathBuf,
    data: PathBuf,
    /// `postgresql://postgres@127.0.0.1:PORT/postgres`
    pub url: String,
}

fn find_bin() -> Option<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| e.ok())
        .map(|e| e.path().join("bin"))
        .filter(|b| b.join("pg_ctl").exists() && b.join("initdb").exists())
        .collect();
    // The newest major version installed.
    found.sort();
    found.pop()
}

fn is_root() -> bool {
    std::process::Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

/// Runs a server binary as `postgres` when we are root (the server refuses root).
fn as_postgres(bin: &Path, args: &[&str]) -> Command {
    if is_root() {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(bin).args(args);
        c
    } else {
        let mut c = Command::new(bin);
        c.args(args);
        c
    }
}

fn free_port() -> Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

pub fn start() -> Result<TestPostgres> {
    let bin = match find_bin() {
        Some(b) => b,
        None => {
            println!("PostgreSQL not found: installing Debian's postgresql package");
            run(Command::new("apt-get").arg("update"))?;
            run(Command::new("apt-get")
                .args(["install", "-y", "--no-install-recommends", "postgresql"])
                .env("DEBIAN_FRONTEND", "noninteractive"))?;
            find_bin()
                .ok_or("PostgreSQL installed but no pg_ctl/initdb under /usr/lib/postgresql")?
        }
    };
    let data = target_dir().join("xtask/pg");
    if data.exists() {
        // A cluster left by an interrupted run: stop it (if running) and start afresh.
        let _ = as_postgres(
            &bin.join("pg_ctl"),
            &["-D", &data.display().to_string(), "-m", "immediate", "stop"],
        )
        .status();
        std::fs::remove_dir_all(&data)?;
    }
    std::fs::create_dir_all(&data)?;
    if is_root() {
        run(Command::new("chown")
            .args(["-R", "postgres:postgres"])
            .arg(&data))?;
        // The postgres user must be able to reach the directory.
        let mut p = data.parent().map(Path::to_path_buf);
        while let Some(dir) = p {
            let _ = Command::new("chmod").arg("o+x").arg(&dir).status();
            p = dir.parent().map(Path::to_path_buf);
        }
    }
    let d = data.display().to_string();
    run(&mut as_postgres(
        &bin.join("initdb"),
        &[
            "-D",
            &d,
            "-U",
            "postgres",
            "--auth=trust",
            "--no-sync",
            "-E",
            "UTF8",
        ],
    ))?;
    // Trust for every user but one, which must give its password: the journal's tests
    // check that a wrong one is a clear error. The first matching line wins.
    let hba = data.join("pg_hba.conf");
    let rules = std::fs::read_to_string(&hba)?;
    std::fs::write(
        &hba,
        format!("host all {PASSWORD_ROLE} 127.0.0.1/32 scram-sha-256\n{rules}"),
    )?;
    let port = free_port()?.to_string();
    let opts = format!("-c listen_addresses=127.0.0.1 -c port={port} -c unix_socket_directories={d} -c max_connections=200");
    run(&mut as_postgres(
        &bin.join("pg_ctl"),
        &[
            "-D",
            &d,
            "-l",
            &format!("{d}/server.log"),
            "-o",
            &opts,
            "-w",
            "-t",
            "60",
            "start",
        ],
    ))?;
    Ok(TestPostgres {
        bin,
        data,
        url: format!("postgresql://postgres@127.0.0.1:{port}/postgres"),
    })
}

impl TestPostgres {
    /// Gives `cmd` the server (`TRADEPAY_TEST_POSTGRES`) and the `psql` that the binding
    /// suites use to create their databases (`TRADEPAY_TEST_PSQL`).
    pub fn export(&self, cmd: &mut Command) {
        cmd.env("TRADEPAY_TEST_POSTGRES", &self.url)
            .env("TRADEPAY_TEST_PSQL", self.bin.join("psql"));
    }
}

impl Drop for TestPostgres {
    fn drop(&mut self) {
        let d = self.data.display().to_string();
        let _ = as_postgres(
            &self.bin.join("pg_ctl"),
            &["-D", &d, "-m", "fast", "-w", "stop"],
        )
        .status();
    }
}
