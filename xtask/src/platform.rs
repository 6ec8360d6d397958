//! The platforms the Node addon is built for, named the way napi-rs names them: the addon
//! file `tradepay.<os>-<arch>[-<abi>].node` and the npm package `tradepay-<os>-<arch>[-<abi>]`.

pub struct Platform {
    pub triple: String,
    os: &'static str,
    arch: &'static str,
    abi: Option<&'static str>,
}

impl Platform {
    /// From a Rust target triple listed in package.json's `napi.targets`.
    pub fn from_triple(triple: &str) -> Result<Platform, String> {
        let arch = match triple.split('-').next() {
            Some("x86_64") => "x64",
            Some("aarch64") => "arm64",
            _ => return Err(format!("no npm platform for target {triple}")),
        };
        let (os, abi) = if triple.contains("-linux-") {
            (
                "linux",
                Some(if triple.ends_with("musl") {
                    "musl"
                } else {
                    "gnu"
                }),
            )
        } else if triple.contains("-apple-darwin") {
            ("darwin", None)
        } else if triple.ends_with("-windows-msvc") {
            ("win32", Some("msvc"))
        } else {
            return Err(format!("no npm platform for target {triple}"));
        };
        Ok(Platform {
            triple: triple.to_owned(),
            os,
            arch,
            abi,
        })
    }

    /// The machine xtask runs on.
    pub fn host() -> Result<Platform, String> {
        let arch = match std::env::consts::ARCH {
            "x86_64" => "x86_64",
            "aarch64" => "aarch64",
            other => return Err(format!("no npm platform for arch {other}")),
        };
        let triple = match std::env::consts::OS {
            "linux" if cfg!(target_env = "musl") => format!("{arch}-unknown-linux-musl"),
            "linux" => format!("{arch}-unknown-linux-gnu"),
            "macos" => format!("{arch}-apple-darwin"),
            "windows" => format!("{arch}-pc-windows-msvc"),
            other => return Err(format!("no npm platform for OS {other}")),
        };
        Platform::from_triple(&triple)
    }

    /// `linux-x64-gnu`, `darwin-arm64`, `win32-x64-msvc`.
    pub fn package_suffix(&self) -> String {
        match self.abi {
            Some(abi) => format!("{}-{}-{abi}", self.os, self.arch),
            None => format!("{}-{}", self.os, self.arch),
        }
    }

    pub fn package_name(&self) -> String {
        format!("tradepay-{}", self.package_suffix())
    }

    pub fn addon_file(&self) -> String {
        format!("tradepay.{}.node", self.package_suffix())
    }

    /// The platform package's package.json, with npm's os/cpu/libc fields so that npm
    /// installs only the matching one of the main package's optional dependencies.
    pub fn manifest(&self, main: &serde_json::Value, version: &str) -> serde_json::Value {
        let mut m = serde_json::json!({
            "name": self.package_name(),
            "version": version,
            "description": format!("The {} native addon of tradepay", self.triple),
            "license": main["license"],
            "main": self.addon_file(),
            "files": [self.addon_file(), "LICENSE-MIT", "LICENSE-APACHE"],
            "os": [self.os],
            "cpu": [self.arch],
            "engines": main["engines"],
        });
        if let Some(libc) = match self.abi {
            Some("gnu") => Some("glibc"),
            Some("musl") => Some("musl"),
            _ => None,
        } {
            m["libc"] = serde_json::json!([libc]);
        }
        m
    }
}
