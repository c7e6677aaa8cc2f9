//! HTTP over std threads: request parsing, responses with the security
//! headers, the site's files from memory, the live-reload WebSocket, and
//! the dispatch of `/__glossa/api/` requests to [`super::api`].
//!
//! Requests are resolved against the in-memory site only ([`site_path`]
//! refuses anything that could leave it). Must not read or write files.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::Duration;

use super::rebuild::message;
use super::{
    API_PATH, CLIENT_PATH, EDIT_CSS_PATH, EDIT_PATH, LIVERELOAD_PATH, OVERLAY_CSS_PATH,
    SECURITY_HEADERS, Server,
};

/// The live-reload client (a file of its own, so no inline script is needed).
const CLIENT: &str = include_str!("client.js");

/// The error overlay's stylesheet.
const OVERLAY_CSS: &str = include_str!("overlay.css");

/// The editing controls of authoring mode, and their stylesheet.
const EDIT: &str = include_str!("edit.js");
const EDIT_CSS: &str = include_str!("edit.css");

/// The largest request body read (an annotation with a long note is a few
/// kilobytes); a larger one is answered `413` unread.
pub(super) const MAX_BODY: usize = 256 * 1024;

/// A parsed request.
pub(super) struct Request {
    pub method: String,
    pub target: String,
    /// Header names in lowercase.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// `Content-Length` was over [`MAX_BODY`] (the body was not read).
    pub too_large: bool,
    /// A body was sent without a `Content-Length`.
    pub no_length: bool,
}

impl Request {
    /// The value of a header (`name` in lowercase).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

fn read_request(stream: &mut TcpStream) -> std::io::Result<Option<Request>> {
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut line = String::new();
    let mut total = 0;
    if reader.read_line(&mut line)? == 0 {
        return Ok(None);
    }
    let mut parts = line.split_whitespace();
    let (Some(method), Some(target)) = (parts.next(), parts.next()) else {
        return Ok(None);
    };
    let (method, target) = (method.to_string(), target.to_string());
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        let n = reader.read_line(&mut h)?;
        total += n;
        if n == 0 || h == "\r\n" || h == "\n" || total > 64 * 1024 {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            headers.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
        }
    }
    let len: Option<usize> = headers
        .iter()
        .find(|(k, _)| k == "content-length")
        .and_then(|(_, v)| v.parse().ok());
    let no_length = len.is_none()
        && headers
            .iter()
            .any(|(k, v)| k == "transfer-encoding" && !v.eq_ignore_ascii_case("identity"));
    let too_large = len.is_some_and(|l| l > MAX_BODY);
    let mut body = Vec::new();
    if let Some(l) = len.filter(|&l| l > 0 && !too_large) {
        body = vec![0u8; l];
        reader.read_exact(&mut body)?;
    }
    Ok(Some(Request {
        method,
        target,
        headers,
        body,
        too_large,
        no_length,
    }))
}

pub(super) fn respond(
    stream: &mut TcpStream,
    status: &str,
    headers: &[(&str, String)],
    body: &[u8],
    head: bool,
) -> std::io::Result<()> {
    let mut out = format!("HTTP/1.1 {status}\r\n");
    for (k, v) in headers {
        out.push_str(&format!("{k}: {v}\r\n"));
    }
    for (k, v) in SECURITY_HEADERS {
        out.push_str(&format!("{k}: {v}\r\n"));
    }
    out.push_str(&format!(
        "Content-Length: {}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n",
        body.len()
    ));
    stream.write_all(out.as_bytes())?;
    if !head {
        stream.write_all(body)?;
    }
    stream.flush()
}

/// The `Content-Type` for a path.
pub fn content_type(path: &str) -> &'static str {
    let ext = path.rsplit_once('.').map_or("", |(_, e)| e);
    match ext.to_ascii_lowercase().as_str() {
        "html" | "htm" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "json" => "application/json",
        "jsonld" => "application/ld+json",
        "xml" => "application/xml",
        "atom" => "application/atom+xml",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "woff" => "font/woff",
        "txt" => "text/plain; charset=utf-8",
        "webmanifest" => "application/manifest+json",
        "pdf" => "application/pdf",
        _ => "application/octet-stream",
    }
}

/// Why a request path was refused.
#[derive(Debug, PartialEq, Eq)]
pub enum PathError {
    /// Not decodable or not a path we could ever serve (400).
    Bad,
    /// Tries to leave the site (404, never served).
    Outside,
}

/// Decodes and checks a request target; returns the site-relative path
/// (`""` for the root, `a/b/` for folders).
pub fn site_path(target: &str) -> Result<String, PathError> {
    let path = target.split(['?', '#']).next().unwrap_or("");
    if !path.starts_with('/') || path.starts_with("//") {
        return Err(PathError::Outside);
    }
    let bytes = path.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes.get(i + 1..i + 3).ok_or(PathError::Bad)?;
            let s = std::str::from_utf8(hex).map_err(|_| PathError::Bad)?;
            decoded.push(u8::from_str_radix(s, 16).map_err(|_| PathError::Bad)?);
            i += 3;
        } else {
            decoded.push(bytes[i]);
            i += 1;
        }
    }
    let decoded = String::from_utf8(decoded).map_err(|_| PathError::Bad)?;
    if decoded.contains('\\') || decoded.contains('\0') {
        return Err(PathError::Bad);
    }
    let rel = &decoded[1..];
    if rel.starts_with('/') {
        return Err(PathError::Outside);
    }
    for seg in rel.split('/') {
        if seg == ".." || seg == "." || seg.contains(':') {
            return Err(PathError::Outside);
        }
    }
    Ok(rel.to_string())
}

/// The preview's additions to a served page: the live-reload client and the
/// error overlay; in authoring mode (`token`), the per-run token in a
/// `<meta>` of the head and the editing controls.
pub(super) fn inject(html: &[u8], overlay: Option<&str>, token: Option<&str>) -> Vec<u8> {
    let text = String::from_utf8_lossy(html);
    let mut extra = format!(
        "<link rel=\"stylesheet\" href=\"{OVERLAY_CSS_PATH}\">{}<script src=\"{CLIENT_PATH}\" data-glossa-livereload=\"{LIVERELOAD_PATH}\"></script>",
        overlay
            .map(|o| format!("<div id=\"glossa-overlay\">{o}</div>"))
            .unwrap_or_default()
    );
    let mut text = text.into_owned();
    if let Some(token) = token {
        extra.push_str(&format!(
            "<link rel=\"stylesheet\" href=\"{EDIT_CSS_PATH}\"><script src=\"{EDIT_PATH}\" data-api=\"{API_PATH}\"></script>"
        ));
        let meta = format!("<meta name=\"glossa-edit-token\" content=\"{token}\">");
        match text.find("</head>") {
            Some(i) => text.insert_str(i, &meta),
            None => text.insert_str(0, &meta),
        }
    }
    match text.rfind("</body>") {
        Some(i) => format!("{}{extra}{}", &text[..i], &text[i..]).into_bytes(),
        None => format!("{text}{extra}").into_bytes(),
    }
}

pub(super) fn handle(server: &Server, mut stream: TcpStream) -> std::io::Result<()> {
    let Some(req) = read_request(&mut stream)? else {
        return Ok(());
    };
    let head = req.method == "HEAD";
    if let Some(rest) = req.target.strip_prefix(API_PATH) {
        let r = super::api::handle(server, &req, rest);
        let mut headers = r.headers;
        headers.push(("Content-Type", r.content_type.into()));
        return respond(&mut stream, r.status, &headers, &r.body, head);
    }
    if req.method != "GET" && !head {
        return respond(
            &mut stream,
            "405 Method Not Allowed",
            &[("Allow", "GET, HEAD".into())],
            b"",
            false,
        );
    }
    let path = match site_path(&req.target) {
        Ok(p) => p,
        Err(PathError::Bad) => {
            return respond(
                &mut stream,
                "400 Bad Request",
                &[("Content-Type", "text/plain".into())],
                b"bad request\n",
                head,
            );
        }
        Err(PathError::Outside) => return not_found(server, &mut stream, head),
    };
    let own = match format!("/{path}").as_str() {
        LIVERELOAD_PATH => return websocket(server, stream, &req),
        CLIENT_PATH => Some(("x.js", CLIENT)),
        OVERLAY_CSS_PATH => Some(("x.css", OVERLAY_CSS)),
        EDIT_PATH if server.editing() => Some(("x.js", EDIT)),
        EDIT_CSS_PATH if server.editing() => Some(("x.css", EDIT_CSS)),
        _ => None,
    };
    if let Some((kind, body)) = own {
        let ty = content_type(kind).into();
        return respond(
            &mut stream,
            "200 OK",
            &[("Content-Type", ty)],
            body.as_bytes(),
            head,
        );
    }
    let site = server.site();
    let key = if path.is_empty() || path.ends_with('/') {
        format!("{path}index.html")
    } else {
        path.clone()
    };
    if let Some(bytes) = site.files.get(&key) {
        let body = if key.ends_with(".html") {
            inject(bytes, site.overlay.as_deref(), server.token())
        } else {
            bytes.to_vec()
        };
        return respond(
            &mut stream,
            "200 OK",
            &[("Content-Type", content_type(&key).into())],
            &body,
            head,
        );
    }
    // A folder without its trailing slash: redirect, so relative links work.
    if site.files.contains_key(&format!("{path}/index.html")) {
        return respond(
            &mut stream,
            "301 Moved Permanently",
            &[("Location", format!("/{path}/"))],
            b"",
            head,
        );
    }
    not_found(server, &mut stream, head)
}

fn not_found(server: &Server, stream: &mut TcpStream, head: bool) -> std::io::Result<()> {
    let site = server.site();
    let body = match site.files.get("404.html") {
        Some(b) => inject(b, site.overlay.as_deref(), server.token()),
        None => b"not found\n".to_vec(),
    };
    respond(
        stream,
        "404 Not Found",
        &[("Content-Type", content_type("404.html").into())],
        &body,
        head,
    )
}

fn websocket(server: &Server, mut stream: TcpStream, req: &Request) -> std::io::Result<()> {
    let header = |name: &str| {
        req.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let Some(key) = header("sec-websocket-key") else {
        return respond(
            &mut stream,
            "400 Bad Request",
            &[],
            b"websocket upgrade required\n",
            false,
        );
    };
    let accept = tungstenite::handshake::derive_accept_key(key.as_bytes());
    write!(
        stream,
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {accept}\r\n\r\n"
    )?;
    // Reads only notice closed connections: they must not keep a queued
    // message waiting (a long read timeout delayed reloads by up to its length).
    stream.set_read_timeout(Some(Duration::from_millis(2)))?;
    let mut ws =
        tungstenite::WebSocket::from_raw_socket(stream, tungstenite::protocol::Role::Server, None);
    let (tx, rx) = mpsc::channel::<String>();
    server.clients.lock().expect("clients lock").push(tx);
    // The current state, so a page opened during an error sees the overlay.
    if let Some(o) = &server.site().overlay {
        let _ = ws.send(tungstenite::Message::text(message("error", Some(o))));
    }
    loop {
        match rx.recv_timeout(Duration::from_millis(200)) {
            Ok(msg) => {
                if ws.send(tungstenite::Message::text(msg)).is_err() {
                    return Ok(());
                }
            }
            Err(RecvTimeoutError::Disconnected) => return Ok(()),
            Err(RecvTimeoutError::Timeout) => {}
        }
        // Notice closed connections (reads time out quickly when idle).
        match ws.read() {
            Ok(tungstenite::Message::Close(_)) => return Ok(()),
            Ok(_) => {}
            Err(tungstenite::Error::Io(e))
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) => {}
            Err(_) => return Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_client_takes_the_websocket_path_from_the_page() {
        // One definition of the path: the constant, written into the tag.
        assert!(!CLIENT.contains(LIVERELOAD_PATH));
        let page = String::from_utf8(inject(b"<body></body>", None, None)).unwrap();
        assert!(
            page.contains(&format!("data-glossa-livereload=\"{LIVERELOAD_PATH}\"")),
            "{page}"
        );
    }

    #[test]
    fn paths_are_confined_to_the_site() {
        assert_eq!(site_path("/"), Ok(String::new()));
        assert_eq!(site_path("/chapters/a/?x=1#y"), Ok("chapters/a/".into()));
        assert_eq!(site_path("/%E4%B8%AD.html"), Ok("中.html".into()));
        for bad in [
            "/../Cargo.toml",
            "/%2e%2e/%2e%2e/etc/passwd",
            "/..%2fCargo.toml",
            "//etc/passwd",
            "/a/../../b",
            "/C:/x",
            "etc/passwd",
        ] {
            assert_eq!(site_path(bad), Err(PathError::Outside), "{bad}");
        }
        for bad in ["/\\..\\", "/%5c..%5c", "/%zz", "/%ff", "/a%00"] {
            assert_eq!(site_path(bad), Err(PathError::Bad), "{bad}");
        }
    }

    #[test]
    fn content_types() {
        assert_eq!(content_type("a/index.html"), "text/html; charset=utf-8");
        assert_eq!(content_type("annotations.jsonld"), "application/ld+json");
        assert_eq!(content_type("sitemap.xml"), "application/xml");
        assert_eq!(content_type("x.svg"), "image/svg+xml");
        assert_eq!(content_type("f.woff2"), "font/woff2");
    }
}
