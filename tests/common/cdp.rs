//! A minimal Chrome DevTools Protocol driver for Debian's headless chromium:
//! launch, navigate, evaluate, press keys, take screenshots, collect console
//! errors. Used by the browser tests; never downloads a browser.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tungstenite::{Message, WebSocket};

/// Path of chromium, `None` (test skipped) when absent outside CI; panics under CI.
pub fn chromium() -> Option<PathBuf> {
    for c in ["/usr/bin/chromium", "/usr/bin/chromium-browser"] {
        if Path::new(c).exists() {
            return Some(PathBuf::from(c));
        }
    }
    if std::env::var("CI").is_ok_and(|v| v == "true" || v == "1") {
        panic!("chromium is required under CI (apt-get install chromium)");
    }
    eprintln!("chromium not found: skipping browser test");
    None
}

pub struct Browser {
    child: Child,
    ws: WebSocket<TcpStream>,
    next: u64,
    /// Events received so far (console messages, exceptions, page events).
    pub events: Vec<Value>,
    _profile: tempfile::TempDir,
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn http_get(port: u16, path: &str) -> String {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    // Chromium keeps the connection open: read the headers, then Content-Length bytes.
    let mut data = Vec::new();
    let mut buf = [0u8; 8192];
    loop {
        let n = s.read(&mut buf).unwrap_or(0);
        if n == 0 {
            break;
        }
        data.extend_from_slice(&buf[..n]);
        let text = String::from_utf8_lossy(&data);
        if let Some((head, body)) = text.split_once("\r\n\r\n") {
            let len = head.lines().find_map(|l| {
                l.to_ascii_lowercase()
                    .strip_prefix("content-length:")
                    .map(|v| v.trim().parse::<usize>().unwrap_or(0))
            });
            if len.is_some_and(|l| body.len() >= l) {
                return body.to_string();
            }
        }
    }
    String::from_utf8_lossy(&data)
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default()
}

impl Browser {
    /// Starts headless chromium with a window of `width`×`height` CSS pixels.
    pub fn launch(width: u32, height: u32) -> Option<Browser> {
        let exe = chromium()?;
        let profile = tempfile::tempdir().unwrap();
        let child = Command::new(exe)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--hide-scrollbars",
                "--remote-debugging-port=0",
            ])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .arg(format!("--window-size={width},{height}"))
            .arg("about:blank")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // Kill the browser if anything below panics before `Browser` owns it.
        struct Guard(Option<Child>);
        impl Drop for Guard {
            fn drop(&mut self) {
                if let Some(c) = &mut self.0 {
                    let _ = c.kill();
                    let _ = c.wait();
                }
            }
        }
        let mut guard = Guard(Some(child));
        let port_file = profile.path().join("DevToolsActivePort");
        let start = Instant::now();
        let port: u16 = loop {
            if let Ok(s) = std::fs::read_to_string(&port_file)
                && let Some(Ok(p)) = s.lines().next().map(str::parse)
            {
                break p;
            }
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "chromium did not start"
            );
            std::thread::sleep(Duration::from_millis(50));
        };
        let list: Value = loop {
            if let Ok(v) = serde_json::from_str::<Value>(&http_get(port, "/json/list"))
                && v.as_array()
                    .is_some_and(|a| a.iter().any(|t| t["type"] == "page"))
            {
                break v;
            }
            assert!(start.elapsed() < Duration::from_secs(30), "no page target");
            std::thread::sleep(Duration::from_millis(50));
        };
        let url = list
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["type"] == "page")
            .unwrap()["webSocketDebuggerUrl"]
            .as_str()
            .unwrap()
            .to_string();
        let stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .unwrap();
        let (ws, _) = tungstenite::client(url.as_str(), stream).unwrap();
        let mut b = Browser {
            child: guard.0.take().expect("the guard holds the child"),
            ws,
            next: 0,
            events: Vec::new(),
            _profile: profile,
        };
        b.call("Page.enable", json!({}));
        b.call("Runtime.enable", json!({}));
        b.call("Log.enable", json!({}));
        b.call("Network.enable", json!({}));
        // The window cannot be narrower than 500 px in headless mode; emulate the viewport.
        b.call(
            "Emulation.setDeviceMetricsOverride",
            json!({"width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600}),
        );
        Some(b)
    }

    /// Waits until `expr` evaluates to `true` (at most `secs` seconds).
    pub fn wait(&mut self, expr: &str, secs: u64) -> bool {
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(secs) {
            if self.call(
                "Runtime.evaluate",
                json!({"expression": expr, "returnByValue": true}),
            )["result"]["value"]
                == true
            {
                return true;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        false
    }

    /// Sends a command and waits for its result.
    pub fn call(&mut self, method: &str, params: Value) -> Value {
        self.next += 1;
        let id = self.next;
        let msg = json!({"id": id, "method": method, "params": params});
        self.ws.send(Message::text(msg.to_string())).unwrap();
        loop {
            let m = self.ws.read().unwrap();
            let Message::Text(t) = m else { continue };
            let v: Value = serde_json::from_str(t.as_str()).unwrap();
            if v["id"].as_u64() == Some(id) {
                assert!(v["error"].is_null(), "{method} failed: {v}");
                return v["result"].clone();
            }
            self.events.push(v);
        }
    }

    /// Waits until an event with `method` has arrived.
    fn wait_event(&mut self, method: &str) {
        if self.events.iter().any(|e| e["method"] == method) {
            return;
        }
        loop {
            let Message::Text(t) = self.ws.read().unwrap() else {
                continue;
            };
            let v: Value = serde_json::from_str(t.as_str()).unwrap();
            let done = v["method"] == method;
            self.events.push(v);
            if done {
                return;
            }
        }
    }

    /// Disables or enables page JavaScript (before navigating).
    pub fn set_javascript(&mut self, enabled: bool) {
        self.call(
            "Emulation.setScriptExecutionDisabled",
            json!({"value": !enabled}),
        );
    }

    /// Opens `file` and waits for the load event.
    pub fn open(&mut self, file: &Path) {
        self.events.retain(|e| e["method"] != "Page.loadEventFired");
        self.call(
            "Page.navigate",
            json!({"url": format!("file://{}", file.display())}),
        );
        self.wait_event("Page.loadEventFired");
    }

    /// Evaluates a JavaScript expression in the page (DevTools evaluation works
    /// even when page scripts are disabled) and returns its JSON value.
    pub fn eval(&mut self, expr: &str) -> Value {
        let r = self.call(
            "Runtime.evaluate",
            json!({"expression": expr, "returnByValue": true}),
        );
        assert!(r["exceptionDetails"].is_null(), "{expr}: {r}");
        r["result"]["value"].clone()
    }

    /// Asserts the open page neither scrolls sideways nor logged a console
    /// error (errors mentioning `allowed` excepted); `what` names the page.
    pub fn assert_fits_without_errors(&mut self, what: &str, allowed: &str) {
        let overflow = self
            .eval("document.documentElement.scrollWidth - document.documentElement.clientWidth");
        assert!(
            overflow.as_f64().unwrap() <= 0.0,
            "{what} scrolls sideways by {overflow}"
        );
        let errors: Vec<String> = self
            .errors()
            .into_iter()
            .filter(|e| !e.contains(allowed))
            .collect();
        assert!(errors.is_empty(), "{what}: console errors {errors:?}");
    }

    /// Evaluates an expression whose value is a promise and returns the JSON
    /// value it resolves to.
    pub fn eval_async(&mut self, expr: &str) -> Value {
        let r = self.call(
            "Runtime.evaluate",
            json!({"expression": expr, "returnByValue": true, "awaitPromise": true}),
        );
        assert!(r["exceptionDetails"].is_null(), "{expr}: {r}");
        r["result"]["value"].clone()
    }

    /// Presses a key as a user would (keyDown + keyUp).
    pub fn press(&mut self, key: &str) {
        let (code, vk, text) = match key {
            "Tab" => ("Tab", 9, ""),
            "Enter" => ("Enter", 13, "\r"),
            "Escape" => ("Escape", 27, ""),
            " " => ("Space", 32, " "),
            other => panic!("unsupported key {other}"),
        };
        let mut down =
            json!({"type": "keyDown", "key": key, "code": code, "windowsVirtualKeyCode": vk});
        if !text.is_empty() {
            down["text"] = text.into();
        }
        self.call("Input.dispatchKeyEvent", down);
        self.call(
            "Input.dispatchKeyEvent",
            json!({"type": "keyUp", "key": key, "code": code, "windowsVirtualKeyCode": vk}),
        );
    }

    /// Saves a PNG screenshot of the viewport.
    pub fn screenshot(&mut self, path: &Path) {
        let r = self.call("Page.captureScreenshot", json!({"format": "png"}));
        let data = r["data"].as_str().unwrap();
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, base64_decode(data)).unwrap();
    }

    /// Requests that failed or answered with an error status, seen so far
    /// (`allow` lists URL suffixes that may answer 404, e.g. a deliberate 404 page).
    pub fn failed_requests(&mut self, allow: &[&str]) -> Vec<String> {
        self.call("Runtime.evaluate", json!({"expression": "1"}));
        self.events
            .iter()
            .filter_map(|e| {
                if e["method"] == "Network.loadingFailed" {
                    return Some(e.to_string());
                }
                if e["method"] == "Network.responseReceived" {
                    let r = &e["params"]["response"];
                    let url = r["url"].as_str().unwrap_or("");
                    if r["status"].as_u64().unwrap_or(0) >= 400
                        && !allow.iter().any(|a| url.ends_with(a))
                    {
                        return Some(format!("{} {url}", r["status"]));
                    }
                }
                None
            })
            .collect()
    }

    /// Forgets the events seen so far.
    pub fn clear_events(&mut self) {
        self.events.clear();
    }

    /// Console errors and uncaught exceptions seen so far.
    pub fn errors(&mut self) -> Vec<String> {
        // Let pending events arrive.
        self.call("Runtime.evaluate", json!({"expression": "1"}));
        self.events
            .iter()
            .filter(|e| {
                e["method"] == "Runtime.exceptionThrown"
                    || (e["method"] == "Runtime.consoleAPICalled" && e["params"]["type"] == "error")
                    || (e["method"] == "Log.entryAdded" && e["params"]["entry"]["level"] == "error")
            })
            .map(|e| e.to_string())
            .collect()
    }
}

fn base64_decode(s: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let mut buf = 0u32;
    let mut bits = 0;
    for c in s.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => continue,
        };
        buf = (buf << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buf >> bits) as u8);
        }
    }
    out
}

/// Where browser tests keep their screenshots.
pub fn artifacts() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/browser-artifacts")
}

/// Counts, in every chapter's reading text at phone and desktop widths,
/// the places where closing CJK punctuation starts a line (after a note
/// marker, a mention link or anything else): there must be none.
pub const NO_LINE_START: &str = r#"(() => {
  const closing = /[。，、．：；！？）」』”’〉》】〕]/;
  const text = document.querySelector('#text');
  const walker = document.createTreeWalker(text, NodeFilter.SHOW_TEXT, {
    acceptNode: (n) => n.parentElement.closest('aside, .notes') ? NodeFilter.FILTER_REJECT : NodeFilter.FILTER_ACCEPT,
  });
  const range = document.createRange();
  const bad = [];
  let prev = null, block = null, n;
  while ((n = walker.nextNode())) {
    const b = n.parentElement.closest('p, li, h1, h2, h3, h4, blockquote');
    if (b !== block) { prev = null; block = b; }
    for (let i = 0; i < n.data.length; i++) {
      range.setStart(n, i); range.setEnd(n, i + 1);
      const rects = range.getClientRects();
      if (!rects.length) continue;
      const r = rects[0];
      if (prev && closing.test(n.data[i]) && r.top > prev.bottom - 2) {
        bad.push(n.data.slice(Math.max(0, i - 6), i + 2));
      }
      if (r.width > 0) prev = r;
    }
  }
  // A marker never starts a line either: it stays with the passage's last character.
  for (const ref of text.querySelectorAll('button.ref')) {
    if (ref.closest('aside')) continue;
    let el = ref.previousSibling;
    while (el && el.nodeType === 1 && el.matches('button.ref')) el = el.previousSibling;
    if (!el) continue;
    const node = el.nodeType === 3 ? el : el.lastChild;
    if (!node || node.nodeType !== 3 || !node.data.length) continue;
    range.setStart(node, node.data.length - 1); range.setEnd(node, node.data.length);
    const r = range.getClientRects()[0], b = ref.getBoundingClientRect();
    if (r && b.top > r.bottom - 2) bad.push('marker after ' + node.data.slice(-6));
  }
  return JSON.stringify(bad);
})()"#;
