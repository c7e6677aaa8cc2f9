//! `glossa serve`: bind, build into memory, serve until interrupted.

use std::net::IpAddr;

use crate::content::Paths;
use crate::serve::{self, ServeOptions, Server};

pub(super) fn run(paths: Paths, port: u16, bind: IpAddr, open: bool, poll: bool) -> bool {
    if !bind.is_loopback() {
        eprintln!(
            "warning: binding to {bind}: the preview is reachable from other machines on the network"
        );
    }
    let options = ServeOptions {
        paths,
        bind,
        port,
        poll,
        debounce: std::time::Duration::from_millis(30),
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
