//! What readers see, checked in a real browser (Debian's headless chromium).
//!
//! Each check copies a built page, appends a small measuring script that writes
//! its findings into `<body data-result>`, loads it with `chromium --dump-dom`
//! at a given window size, and reads the result back. Skips when chromium is
//! missing, except under CI (`CI=true`), where a missing browser is a failure.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::project;

fn chromium() -> Option<PathBuf> {
    for c in ["chromium", "chromium-browser"] {
        if let Ok(o) = Command::new("which").arg(c).output()
            && o.status.success()
        {
            return Some(PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()));
        }
    }
    if std::env::var("CI").is_ok_and(|v| v == "true" || v == "1") {
        panic!("chromium is required under CI (apt-get install chromium)");
    }
    eprintln!("chromium not found: skipping browser tests");
    None
}

const PROBE: &str = r#"<script>
addEventListener('load', () => {
  const doc = document.documentElement;
  const p = document.querySelector('main p[id]') || document.querySelector('main p');
  const pn = p && p.querySelector('.pn');
  const cs = p ? getComputedStyle(p) : null;
  const body = getComputedStyle(document.body);
  const r = {
    overflow: doc.scrollWidth - doc.clientWidth,
    fontSize: cs ? parseFloat(cs.fontSize) : 0,
    lineHeight: cs ? parseFloat(cs.lineHeight) / parseFloat(cs.fontSize) : 0,
    measure: p ? p.getBoundingClientRect().width / parseFloat(cs.fontSize) : 0,
    pnVisible: pn ? pn.getBoundingClientRect().width > 0 && getComputedStyle(pn).visibility !== 'hidden' : null,
    pnLeft: pn && p ? pn.getBoundingClientRect().left - p.getBoundingClientRect().left : null,
    background: body.backgroundColor,
    color: body.color,
    footer: (document.querySelector('footer') || {innerText: ''}).innerText,
  };
  document.body.setAttribute('data-result', JSON.stringify(r));
});
</script>"#;

struct Measure {
    json: String,
}

impl Measure {
    fn num(&self, key: &str) -> f64 {
        let pat = format!("\"{key}\":");
        let i = self
            .json
            .find(&pat)
            .unwrap_or_else(|| panic!("{key} missing in {}", self.json))
            + pat.len();
        let rest = &self.json[i..];
        let end = rest.find([',', '}']).unwrap();
        rest[..end]
            .parse()
            .unwrap_or_else(|_| panic!("{key} not a number in {}", self.json))
    }
    fn text(&self, key: &str) -> String {
        let pat = format!("\"{key}\":\"");
        let i = self.json.find(&pat).unwrap() + pat.len();
        let rest = &self.json[i..];
        rest[..rest.find('"').unwrap()].to_string()
    }
}

fn measure(browser: &Path, page: &Path, width: u32, extra: &[&str]) -> Measure {
    let html = std::fs::read_to_string(page).unwrap();
    let probed = page.with_file_name("probe.html");
    std::fs::write(&probed, html.replace("</body>", &format!("{PROBE}</body>"))).unwrap();
    let profile = tempfile::tempdir().unwrap();
    let out = Command::new(browser)
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
            "--virtual-time-budget=5000",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(format!("--window-size={width},900"))
        .args(extra)
        .arg("--dump-dom")
        .arg(format!("file://{}", probed.display()))
        .output()
        .unwrap();
    let dom = String::from_utf8_lossy(&out.stdout);
    let start = dom.find("data-result=\"").unwrap_or_else(|| {
        panic!(
            "no result from chromium: {}\n{}",
            dom,
            String::from_utf8_lossy(&out.stderr)
        )
    }) + "data-result=\"".len();
    let end = dom[start..].find('"').unwrap() + start;
    let json = dom[start..end]
        .replace("&quot;", "\"")
        .replace("&amp;", "&");
    Measure { json }
}

fn built_site() -> (tempfile::TempDir, PathBuf) {
    common::built_project(None)
}

#[test]
fn chapter_reads_well_on_a_phone_and_a_desktop() {
    let Some(browser) = chromium() else { return };
    let (_p, site) = built_site();
    for page in ["chapters/two-extremes/index.html", "index.html", "404.html"] {
        let path = site.join(page);
        for width in [360, 1280] {
            let m = measure(&browser, &path, width, &[]);
            assert!(
                m.num("overflow") <= 0.0,
                "{page} at {width}px scrolls sideways: {}",
                m.json
            );
            assert!(
                m.text("footer").contains("陈彩娴"),
                "{page}: footer lacks the author: {}",
                m.json
            );
        }
    }
    let chapter = site.join("chapters/two-extremes/index.html");
    let desk = measure(&browser, &chapter, 1280, &[]);
    assert!(
        desk.num("fontSize") >= 16.0,
        "body text too small: {}",
        desk.json
    );
    let lh = desk.num("lineHeight");
    assert!((1.5..=2.2).contains(&lh), "line height {lh}: {}", desk.json);
    let measure_em = desk.num("measure");
    assert!(
        (25.0..=45.0).contains(&measure_em),
        "measure {measure_em}em: {}",
        desk.json
    );
    assert!(
        desk.json.contains("\"pnVisible\":true"),
        "paragraph numbers hidden: {}",
        desk.json
    );
    // On a wide screen the paragraph number sits in the margin, left of the text.
    assert!(
        desk.num("pnLeft") < 0.0,
        "number not in the margin: {}",
        desk.json
    );
    let phone = measure(&browser, &chapter, 360, &[]);
    assert!(phone.num("fontSize") >= 15.0, "{}", phone.json);
}

#[test]
fn dark_mode_follows_the_system() {
    let Some(browser) = chromium() else { return };
    let (_p, site) = built_site();
    let chapter = site.join("chapters/talent-flow/index.html");
    let light = measure(
        &browser,
        &chapter,
        1024,
        &["--blink-settings=preferredColorScheme=1"],
    );
    let dark = measure(
        &browser,
        &chapter,
        1024,
        &["--blink-settings=preferredColorScheme=0"],
    );
    assert_ne!(
        light.text("background"),
        dark.text("background"),
        "{} vs {}",
        light.json,
        dark.json
    );
    // Dark background: low luminance.
    let bg = dark.text("background");
    let nums: Vec<f64> = bg
        .trim_start_matches("rgba(")
        .trim_start_matches("rgb(")
        .trim_end_matches(')')
        .split(',')
        .take(3)
        .map(|s| s.trim().parse().unwrap())
        .collect();
    assert!(
        nums.iter().sum::<f64>() < 200.0,
        "dark background is not dark: {bg}"
    );
}

// ---- Annotations, driven over the DevTools protocol ----

use common::cdp::{Browser, artifacts};

fn annotated_site() -> (tempfile::TempDir, PathBuf) {
    common::built_project(Some(
        &common::repo().join("tests/fixtures/annotated/content"),
    ))
}

/// Rectangles of the notes and of the text column, as JSON.
const GEOMETRY: &str = r#"(() => {
  const text = document.querySelector('#text p[id]').getBoundingClientRect();
  const notes = [...document.querySelectorAll('aside.notes .note')].map(n => {
    const r = n.getBoundingClientRect();
    const aside = n.closest('aside');
    const block = aside.nextElementSibling || aside.parentElement;
    const b = block.getBoundingClientRect();
    return {id: n.id, first: n === n.parentElement.firstElementChild, left: r.left, top: r.top, bottom: r.bottom, right: r.right, w: r.width, h: r.height, blockTop: b.top, blockBottom: b.bottom};
  });
  const pager = document.querySelector('.pager');
  return {textRight: text.right, vw: innerWidth, sw: document.documentElement.scrollWidth, pagerTop: pager ? pager.getBoundingClientRect().top : 1e9, notes};
})()"#;

fn check_sidenotes(b: &mut Browser, page: &Path, shot: &str) -> usize {
    b.open(page);
    let g = b.eval(GEOMETRY);
    b.screenshot(&artifacts().join(shot));
    let notes = g["notes"].as_array().unwrap();
    let text_right = g["textRight"].as_f64().unwrap();
    assert!(
        g["sw"].as_f64().unwrap() <= g["vw"].as_f64().unwrap(),
        "page scrolls sideways: {g}"
    );
    for n in notes {
        assert!(
            n["h"].as_f64().unwrap() > 0.0,
            "note hidden on a wide screen: {n}"
        );
        assert!(
            n["left"].as_f64().unwrap() >= text_right,
            "note not in the margin: {n} (text ends at {text_right})"
        );
        // Beside its block: never above it (crowded notes may stack further down).
        let (top, bt) = (n["top"].as_f64().unwrap(), n["blockTop"].as_f64().unwrap());
        assert!(top >= bt - 1.0, "note above its block: {n}");
    }
    // Uncrowded notes start level with their block.
    let level = notes
        .iter()
        .filter(|n| n["first"] == true)
        .filter(|n| (n["top"].as_f64().unwrap() - n["blockTop"].as_f64().unwrap()).abs() <= 12.0)
        .count();
    if !notes.is_empty() {
        assert!(level >= 1, "no note is level with its block: {g}");
    }
    for (i, a) in notes.iter().enumerate() {
        for c in &notes[i + 1..] {
            let overlap = a["top"].as_f64().unwrap() < c["bottom"].as_f64().unwrap() - 0.5
                && c["top"].as_f64().unwrap() < a["bottom"].as_f64().unwrap() - 0.5;
            assert!(!overlap, "notes overlap: {a} and {c}");
        }
    }
    notes.len()
}

#[test]
fn sidenotes_sit_in_the_margin_without_overlapping() {
    let Some(mut b) = Browser::launch(1280, 900) else {
        return;
    };
    let (_p, site) = annotated_site();
    let n = check_sidenotes(
        &mut b,
        &site.join("chapters/one/index.html"),
        "sidenotes-fixture-1280.png",
    );
    assert_eq!(n, 7);
    let (_q, shipped) = built_site();
    for e in std::fs::read_dir(shipped.join("chapters")).unwrap() {
        let dir = e.unwrap().path();
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        check_sidenotes(
            &mut b,
            &dir.join("index.html"),
            &format!("sidenotes-{name}-1280.png"),
        );
    }
    assert!(b.errors().is_empty(), "console errors: {:?}", b.errors());
}

/// Tabs to the first note marker, presses Enter, and reports the note's state.
fn open_first_note_by_keyboard(b: &mut Browser, shot: &str) -> serde_json::Value {
    let hidden = b.eval("(() => { const n = document.querySelector('.note'); return n.getBoundingClientRect().height === 0 && !n.matches(':popover-open'); })()");
    assert_eq!(hidden, true, "note visible before it is opened");
    let mut reached = false;
    for _ in 0..60 {
        b.press("Tab");
        if b.eval("document.activeElement && document.activeElement.matches('button.ref')") == true
        {
            reached = true;
            break;
        }
    }
    assert!(reached, "no note marker reachable with Tab");
    let target = b.eval("document.activeElement.getAttribute('popovertarget')");
    b.press("Enter");
    let state = b.eval(&format!(
        "(() => {{ const n = document.getElementById({target}); const r = n.getBoundingClientRect(); \
         return {{open: n.matches(':popover-open'), h: r.height, w: r.width, top: r.top, bottom: r.bottom, vh: innerHeight, text: n.innerText}}; }})()"
    ));
    assert_eq!(state["open"], true, "Enter did not open the note: {state}");
    assert!(
        state["h"].as_f64().unwrap() > 20.0,
        "open note not visible: {state}"
    );
    assert!(
        state["bottom"].as_f64().unwrap() <= state["vh"].as_f64().unwrap() + 1.0,
        "open note off screen: {state}"
    );
    b.screenshot(&artifacts().join(shot));
    b.press("Escape");
    let closed = b.eval(&format!(
        "!document.getElementById({target}).matches(':popover-open')"
    ));
    assert_eq!(closed, true, "Escape did not close the note");
    state
}

#[test]
fn narrow_screens_open_notes_from_the_keyboard() {
    let Some(mut b) = Browser::launch(390, 844) else {
        return;
    };
    let (_p, site) = annotated_site();
    b.open(&site.join("chapters/one/index.html"));
    b.screenshot(&artifacts().join("notes-390-closed.png"));
    let state = open_first_note_by_keyboard(&mut b, "note-390-open.png");
    assert!(state["text"].as_str().unwrap().contains("粗体"), "{state}");
    assert!(b.errors().is_empty(), "console errors: {:?}", b.errors());
}

#[test]
fn notes_open_with_javascript_disabled() {
    let Some(mut b) = Browser::launch(390, 844) else {
        return;
    };
    b.set_javascript(false);
    let (_p, site) = annotated_site();
    b.open(&site.join("chapters/one/index.html"));
    open_first_note_by_keyboard(&mut b, "note-390-nojs-open.png");
    // A note's permalink shows it in place without JavaScript too.
    let target = site.join("chapters/one/index.html");
    b.call(
        "Page.navigate",
        serde_json::json!({"url": format!("file://{}#n-six-tigers", target.display())}),
    );
    let shown =
        b.eval("document.getElementById('n-six-tigers').getBoundingClientRect().height > 0");
    assert_eq!(shown, true, "a linked note is visible");
    b.screenshot(&artifacts().join("notes-390-nojs-target.png"));
}

#[test]
fn annotations_page_filters_by_kind_without_javascript() {
    let Some(mut b) = Browser::launch(1024, 900) else {
        return;
    };
    b.set_javascript(false);
    let (_p, site) = annotated_site();
    let page = site.join("annotations/index.html");
    b.open(&page);
    let all =
        b.eval("[...document.querySelectorAll('li.entry')].filter(e => e.offsetParent).length");
    assert_eq!(all, 8);
    b.call(
        "Page.navigate",
        serde_json::json!({"url": format!("file://{}#translation", page.display())}),
    );
    let visible = b.eval("[...document.querySelectorAll('li.entry')].filter(e => e.offsetParent).map(e => e.className)");
    let classes: Vec<String> = visible
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    assert_eq!(classes.len(), 2, "{classes:?}");
    assert!(
        classes.iter().all(|c| c.contains("k-translation")),
        "{classes:?}"
    );
    b.screenshot(&artifacts().join("annotations-filter-translation.png"));
}

#[test]
fn print_turns_notes_into_endnotes() {
    let Some(mut b) = Browser::launch(1280, 900) else {
        return;
    };
    let (_p, site) = annotated_site();
    b.call(
        "Emulation.setEmulatedMedia",
        serde_json::json!({"media": "print"}),
    );
    b.open(&site.join("chapters/one/index.html"));
    let r = b.eval(
        "(() => ({ asides: [...document.querySelectorAll('aside.notes')].filter(a => a.getBoundingClientRect().height > 0).length, \
           endnotes: [...document.querySelectorAll('.endnotes > ol > li')].filter(l => l.getBoundingClientRect().height > 0).length, \
           markers: [...document.querySelectorAll('button.ref')].filter(m => m.getBoundingClientRect().width > 0).length, \
           quote: getComputedStyle(document.querySelector('.endnotes .eq'), '::before').content }))()",
    );
    let first_quote = b.eval("document.querySelector('.endnotes .eq').dataset.quote");
    let quote = first_quote.as_str().unwrap_or_default().to_string();
    assert!(
        !quote.is_empty() && r["quote"] == format!("\"{quote}\""),
        "the endnote shows its quote in print (from its attribute): {r}"
    );
    assert_eq!(r["asides"], 0, "sidenotes hidden in print: {r}");
    assert_eq!(r["endnotes"], 7, "every note printed as an endnote: {r}");
    assert_eq!(r["markers"], 7, "note numbers stay in the text: {r}");
    let pdf = b.call("Page.printToPDF", serde_json::json!({}));
    assert!(pdf["data"].as_str().is_some_and(|d| d.len() > 1000));
}

#[test]
fn mention_cards_open_on_hover_and_focus_and_close_with_escape() {
    let Some(mut b) = Browser::launch(1280, 900) else {
        return;
    };
    let (_p, site) = built_site();
    b.open(&site.join("chapters/talent-flow/index.html"));
    let card = |b: &mut Browser| {
        b.eval("(() => { const c = document.querySelector('.mention-card'); return c ? {text: c.innerText, h: c.getBoundingClientRect().height} : null; })()")
    };
    assert!(card(&mut b).is_null(), "no card before interaction");
    // Hover.
    let pos = b.eval("(() => { const a = document.querySelector('#text a.mention'); a.scrollIntoView({block: 'center'}); const r = a.getClientRects()[0]; return [r.left + r.width / 2, r.top + r.height / 2]; })()");
    let (x, y) = (pos[0].as_f64().unwrap(), pos[1].as_f64().unwrap());
    b.call(
        "Input.dispatchMouseEvent",
        serde_json::json!({"type": "mouseMoved", "x": x, "y": y}),
    );
    let c = card(&mut b);
    assert!(
        c["h"].as_f64().is_some_and(|h| h > 10.0),
        "hover shows a card: {c}"
    );
    b.screenshot(&artifacts().join("mention-card-hover.png"));
    b.press("Escape");
    assert!(card(&mut b).is_null(), "Escape closes the card");
    // Keyboard.
    b.call(
        "Input.dispatchMouseEvent",
        serde_json::json!({"type": "mouseMoved", "x": 5, "y": 5}),
    );
    let mut reached = false;
    for _ in 0..80 {
        b.press("Tab");
        if b.eval("document.activeElement && document.activeElement.matches('a.mention')") == true {
            reached = true;
            break;
        }
    }
    assert!(reached, "mentions are reachable by keyboard");
    let c = card(&mut b);
    assert!(
        c["h"].as_f64().is_some_and(|h| h > 10.0),
        "focus shows a card: {c}"
    );
    let described = b.eval("document.activeElement.getAttribute('aria-describedby')");
    assert_eq!(described, "mention-card");
    b.press("Escape");
    assert!(card(&mut b).is_null(), "Escape closes the card");
    assert!(b.errors().is_empty(), "console errors: {:?}", b.errors());
}

// ---- Search and the whole site, served on loopback ----

fn wait_js(b: &mut Browser, expr: &str, secs: u64) -> bool {
    let start = std::time::Instant::now();
    while start.elapsed() < std::time::Duration::from_secs(secs) {
        if b.call(
            "Runtime.evaluate",
            serde_json::json!({"expression": expr, "returnByValue": true}),
        )["result"]["value"]
            == true
        {
            return true;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    false
}

/// The shipped edition served by `glossa serve`: the project (kept while it
/// is served), the server, and the server's base URL.
fn served_shipped() -> (tempfile::TempDir, common::Served, String) {
    let p = project(None);
    let served = common::serve_project(p.path());
    let base = format!("http://127.0.0.1:{}/", served.port);
    (p, served, base)
}

#[test]
fn search_finds_chinese_and_latin_queries() {
    let Some(mut b) = Browser::launch(1280, 900) else {
        return;
    };
    let (p, _served, base) = served_shipped();
    b.call(
        "Page.navigate",
        serde_json::json!({"url": format!("{base}search/")}),
    );
    // Wait until the page (and its deferred search script) has loaded.
    assert!(wait_js(
        &mut b,
        "document.readyState === 'complete' && !!document.getElementById('q')",
        20
    ));
    // Type 面壁 into the box.
    b.eval("document.getElementById('q').focus()");
    b.call("Input.insertText", serde_json::json!({"text": "面壁"}));
    assert!(
        wait_js(
            &mut b,
            "document.querySelectorAll('#search-results li').length > 0",
            20
        ),
        "results for 面壁"
    );
    let results = b.eval("[...document.querySelectorAll('#search-results li')].map(li => [li.querySelector('a').href, li.querySelector('.snippet').innerText])");
    b.screenshot(&artifacts().join("search-1280.png"));
    // Exactly the documents that contain the query: count them in the
    // built site's document chunks and compare with the status line.
    let built = p.path().join("built");
    let o = common::glossa(p.path())
        .args(["build", "--out"])
        .arg(&built)
        .output()
        .unwrap();
    assert!(o.status.success());
    let mut expected = 0;
    for entry in std::fs::read_dir(built.join("search/docs")).unwrap() {
        let pages: Vec<Vec<serde_json::Value>> =
            serde_json::from_slice(&std::fs::read(entry.unwrap().path()).unwrap()).unwrap();
        expected += pages
            .iter()
            .flatten()
            .filter(|d| {
                d["t"].as_str().unwrap().contains("面壁")
                    || d["x"].as_str().unwrap().contains("面壁")
            })
            .count();
    }
    let status = b.eval("document.getElementById('search-status').innerText");
    let shown: usize = status
        .as_str()
        .unwrap()
        .split_whitespace()
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("status {status}"));
    assert!(expected > 10, "{expected}");
    assert_eq!(shown, expected.min(300), "results for 面壁");
    let results = results.as_array().unwrap();
    for r in results.iter().take(8) {
        let (href, snippet) = (r[0].as_str().unwrap(), r[1].as_str().unwrap());
        assert!(snippet.contains("面壁"), "snippet lacks 面壁: {snippet}");
        if let Some((page, frag)) = href.split_once("#p") {
            let _ = page;
            // Check the paragraph on the served page.
            b.call("Page.navigate", serde_json::json!({"url": href}));
            assert!(wait_js(
                &mut b,
                &format!("!!document.getElementById('p{frag}')"),
                10
            ));
            let text = b.eval(&format!("document.getElementById('p{frag}').innerText"));
            assert!(
                text.as_str().unwrap().contains("面壁"),
                "{href} does not contain 面壁"
            );
        }
    }
    for (q, must) in [
        ("估值", "估值"),
        ("梁文锋", "梁文锋"),
        ("DeepSeek", "deepseek"),
        ("deepseek v3", "v3"),
        ("AGI 三年", "三年"),
    ] {
        let url = format!("{base}search/?q={}", common::percent(q));
        b.call("Page.navigate", serde_json::json!({"url": url}));
        assert!(
            wait_js(
                &mut b,
                "document.querySelectorAll('#search-results li').length > 0",
                10
            ),
            "no results for {q}"
        );
        let first =
            b.eval("document.querySelector('#search-results .snippet').innerText.toLowerCase()");
        assert!(
            first.as_str().unwrap().contains(must),
            "{q}: first snippet {first}"
        );
    }
    b.call("Page.navigate", serde_json::json!({"url": format!("{base}search/?q=%E9%87%8F%E5%AD%90%E8%AE%A1%E7%AE%97%E6%9C%BA")}));
    assert!(
        wait_js(
            &mut b,
            "document.getElementById('search-status').innerText.includes('没有找到')",
            10
        ),
        "no-hit message"
    );
    assert!(b.errors().is_empty(), "console errors: {:?}", b.errors());
}

#[test]
fn every_page_type_loads_cleanly_and_fits_a_phone() {
    let (_project, _served, base) = served_shipped();
    let pages = [
        ("home", ""),
        ("chapter", "chapters/overlooked-pioneers/"),
        ("annotations", "annotations/"),
        ("companies", "companies/"),
        ("company", "companies/deepseek/"),
        ("people", "people/"),
        ("person", "people/liang-wenfeng/"),
        ("search", "search/?q=%E9%9D%A2%E5%A3%81"),
        ("glossary", "glossary/"),
        ("timeline", "timeline/"),
        ("not-found", "no-such-page/"),
    ];
    for width in [1280, 390] {
        let Some(mut b) = Browser::launch(width, 900) else {
            return;
        };
        for (name, path) in pages {
            b.clear_events();
            b.call(
                "Page.navigate",
                serde_json::json!({"url": format!("{base}{path}")}),
            );
            assert!(
                wait_js(&mut b, "document.readyState === 'complete'", 20),
                "{name} did not load"
            );
            if name == "search" {
                assert!(wait_js(
                    &mut b,
                    "document.querySelectorAll('#search-results li').length > 0",
                    20
                ));
            }
            // The deliberate 404 is logged as a failed load of the page itself.
            b.assert_fits_without_errors(&format!("{name} at {width}px"), "/no-such-page/");
            let failed = b.failed_requests(&["/no-such-page/"]);
            assert!(
                failed.is_empty(),
                "{name} at {width}px: failed requests {failed:?}"
            );
            if width != 320 && matches!(name, "home" | "chapter" | "company" | "search") {
                b.screenshot(&artifacts().join(format!("page-{name}-{width}.png")));
            }
        }
    }
}

#[test]
fn without_javascript_everything_is_readable() {
    let Some(mut b) = Browser::launch(390, 900) else {
        return;
    };
    b.set_javascript(false);
    let (_p, site) = built_site();
    b.open(&site.join("companies/deepseek/index.html"));
    let r = b.eval("(() => ({facts: document.querySelectorAll('.facts dt').length, mentions: [...document.querySelectorAll('.mentions li')].filter(l => l.getBoundingClientRect().height > 0).length, text: document.querySelector('.profile').innerText.length}))()");
    assert!(
        r["facts"].as_u64().unwrap() >= 3
            && r["mentions"].as_u64().unwrap() > 10
            && r["text"].as_u64().unwrap() > 20,
        "{r}"
    );
    b.open(&site.join("chapters/deepseek-organisation/index.html"));
    let visible = b.eval("[...document.querySelectorAll('#text p[id]')].every(p => p.getBoundingClientRect().height > 0)");
    assert_eq!(visible, true, "chapter text visible without JavaScript");
    b.open(&site.join("search/index.html"));
    let msg = b.eval("document.querySelector('noscript') !== null");
    assert_eq!(msg, true);
}

#[test]
fn highlight_links_scroll_to_and_highlight_the_passage() {
    let Some(mut b) = Browser::launch(1280, 800) else {
        return;
    };
    let (_project, _served, base) = served_shipped();
    let page = format!("{base}chapters/overlooked-pioneers/");
    b.call("Page.navigate", serde_json::json!({"url": page}));
    assert!(wait_js(&mut b, "document.readyState === 'complete'", 20));
    // The last note's "highlight the passage" link, and the passage itself.
    let (href, id) = {
        let v = b.eval(
            "(() => { const ns = [...document.querySelectorAll('aside.notes .note')]; \
             const n = ns[ns.length - 1]; \
             return [n.querySelector('.note-links a:last-child').getAttribute('href'), n.id.slice(2)]; })()",
        );
        (
            v[0].as_str().unwrap().to_string(),
            v[1].as_str().unwrap().to_string(),
        )
    };
    assert!(href.starts_with("#:~:text="), "{href}");
    // Chinese stays readable in the link; the directive's own characters are encoded.
    assert!(!href.contains("%E"), "{href}");
    // A fresh load with the fragment: the browser scrolls the passage into view.
    b.call("Page.navigate", serde_json::json!({"url": "about:blank"}));
    b.call(
        "Page.navigate",
        serde_json::json!({"url": format!("{page}{href}")}),
    );
    let in_view = format!(
        "(() => {{ const m = document.querySelector('mark[data-a=\"{id}\"]'); \
         if (!m || window.scrollY === 0) return false; \
         const r = m.getBoundingClientRect(); return r.top >= 0 && r.bottom <= innerHeight; }})()"
    );
    assert!(
        wait_js(&mut b, &in_view, 10),
        "{href} did not bring the passage of {id} into view (scrollY {})",
        b.eval("window.scrollY")
    );
    b.screenshot(&artifacts().join("text-fragment-1280.png"));
}

#[test]
fn closing_punctuation_never_starts_a_line() {
    let (_p, site) = built_site();
    for width in [320, 390, 1280] {
        let Some(mut b) = common::cdp::Browser::launch(width, 900) else {
            return;
        };
        let mut found = Vec::new();
        for entry in std::fs::read_dir(site.join("chapters")).unwrap() {
            let page = entry.unwrap().path().join("index.html");
            b.open(&page);
            let bad = b.eval(common::cdp::NO_LINE_START);
            // Chinese text: justified, strict line breaking, and automatic
            // CJK–Latin spacing where the browser has it.
            let style = b.eval("(() => { const s = getComputedStyle(document.querySelector('#text p[id]')); return [s.textAlign, s.lineBreak, s.textAutospace === undefined || s.textAutospace !== 'no-autospace']; })()");
            assert_eq!(
                style,
                serde_json::json!(["justify", "strict", true]),
                "{}",
                page.display()
            );
            let bad: Vec<String> = serde_json::from_str(bad.as_str().unwrap()).unwrap();
            found.extend(bad.into_iter().map(|s| format!("{}: …{s}", page.display())));
        }
        assert!(
            found.is_empty(),
            "{width} px: a line starts with closing punctuation: {found:#?}"
        );
    }
}

/// axe-core (the npm package `.ci/run` installs into target/annotators), or
/// `None` (skipped) outside CI when it is not installed.
fn axe_source() -> Option<String> {
    let path = common::repo().join("target/annotators/node_modules/axe-core/axe.min.js");
    match std::fs::read_to_string(&path) {
        Ok(s) => Some(s),
        Err(_) => {
            let ci = std::env::var("CI").is_ok_and(|v| v == "true" || v == "1");
            assert!(
                !ci,
                "axe-core is required under CI (.ci/run installs it into target/annotators)"
            );
            eprintln!("axe-core not installed: skipping");
            None
        }
    }
}

#[test]
fn landmarks_pass_axe_on_every_kind_of_page() {
    let Some(mut b) = Browser::launch(1280, 900) else {
        return;
    };
    let Some(axe) = axe_source() else {
        return;
    };
    let (_p, site) = built_site();
    let rules = "['landmark-unique', 'landmark-one-main', 'landmark-no-duplicate-banner', \
                 'landmark-no-duplicate-contentinfo', 'landmark-no-duplicate-main', \
                 'landmark-main-is-top-level', 'landmark-complementary-is-top-level']";
    let mut problems = Vec::new();
    for page in [
        "index.html",
        "chapters/two-extremes/index.html",
        "companies/deepseek/index.html",
        "people/liang-wenfeng/index.html",
        "companies/index.html",
        "annotations/index.html",
        "timeline/index.html",
        "glossary/index.html",
        "search/index.html",
        "404.html",
    ] {
        b.open(&site.join(page));
        b.eval(&format!("{axe}; true"));
        let r = b.eval_async(&format!(
            "axe.run(document, {{runOnly: {{type: 'rule', values: {rules}}}}}).then(r => r.violations.map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', ')))"
        ));
        for v in r.as_array().unwrap() {
            problems.push(format!("{page}: {}", v.as_str().unwrap()));
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
}
