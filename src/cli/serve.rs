//! `glossa serve`: bind, build into memory, serve until interrupted.

use crate::content::Paths;
use crate::serve::{self, ServeOptions, Server};

/// The command line of `glossa serve`.
#[derive(Debug, clap::Args)]
pub struct Flags {
    /// Port to listen on (the next free one is used if taken; 0 = any free port).
    #[arg(long, default_value_t = 1111)]
    pub port: u16,
    /// Address to bind; anything other than loopback exposes the preview to the network.
    #[arg(long, default_value = "127.0.0.1")]
    pub bind: std::net::IpAddr,
    /// Open the preview in a browser.
    #[arg(long)]
    pub open: bool,
    /// Poll for changes instead of using file-system notifications.
    #[arg(long)]
    pub poll: bool,
    /// No editing from the preview (no editing controls, the editing API refuses).
    #[arg(long)]
    pub read_only: bool,
    /// Allow editing from the preview although --bind is not a loopback address.
    #[arg(long)]
    pub allow_remote_edit: bool,
}

pub(super) fn run(paths: Paths, flags: Flags) -> bool {
    let Flags {
        port,
        bind,
        open,
        poll,
        read_only,
        allow_remote_edit,
    } = flags;
    if !bind.is_loopback() {
        eprintln!(
            "warning: binding to {bind}: the preview is reachable from other machines on the network"
        );
        if !read_only && allow_remote_edit {
            eprintln!(
                "warning: --allow-remote-edit: anyone who can open the preview can change content/"
            );
        } else if !read_only {
            eprintln!(
                "note: editing from the preview is off on a non-loopback address (--allow-remote-edit turns it on)"
            );
        }
    }
    let options = ServeOptions {
        paths,
        bind,
        port,
        poll,
        debounce: std::time::Duration::from_millis(30),
        edit: !read_only,
        allow_remote_edit,
    };
    let listener = match serve::bind(&options) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("error: cannot listen on {bind}:{port}: {e}");
            return false;
        }
    };
    let addr = listener
        .local_addr()
        .map(|a| a.to_string())
        .unwrap_or_default();
    let server = Server::new(options);
    let url = format!("http://{addr}/");
    println!("serving the edition at {url} (Ctrl-C to stop)");
    use std::io::Write as _;
    let _ = std::io::stdout().flush();
    if open {
        let _ = std::process::Command::new("xdg-open").arg(&url).spawn();
    }
    match serve::run(server, listener) {
        Ok(()) => true,
        Err(e) => {
            eprintln!("error: {e}");
            false
        }
    }
}
