//! What readers see, checked in a real browser (Debian's headless chromium).
//!
//! Each check copies a built page, appends a small measuring script that writes
//! its findings into `<body data-result>`, loads it with `chromium --dump-dom`
//! at a given window size, and reads the result back. Skips when chromium is
//! missing, except under CI (`CI=true`), where a missing browser is a failure.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{glossa, project};

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
    let p = project(None);
    let out = p.path().join("public");
    let o = glossa(p.path())
        .arg("build")
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    (p, out)
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
