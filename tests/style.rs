//! Colour contrast of the stylesheets (WCAG 2 AA: 4.5:1 for text).

use std::collections::HashMap;

fn hex(s: &str) -> (f64, f64, f64) {
    let v = |i: usize| f64::from(u8::from_str_radix(&s[i..i + 2], 16).unwrap()) / 255.0;
    (v(1), v(3), v(5))
}

fn luminance(c: &str) -> f64 {
    let (r, g, b) = hex(c);
    let f = |v: f64| {
        if v <= 0.039_28 {
            v / 12.92
        } else {
            ((v + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b)
}

fn contrast(a: &str, b: &str) -> f64 {
    let (x, y) = (luminance(a), luminance(b));
    (x.max(y) + 0.05) / (x.min(y) + 0.05)
}

/// `--name: #rrggbb` declarations of a CSS block.
fn vars(block: &str) -> HashMap<String, String> {
    let mut out = HashMap::new();
    for decl in block.split(';') {
        let decl = decl.rsplit(['{', '\n']).next().unwrap_or("");
        if let Some((k, v)) = decl.split_once(':') {
            let k = k.trim();
            let v = v.trim();
            if let Some(name) = k.strip_prefix("--")
                && v.len() == 7
                && v.starts_with('#')
            {
                out.insert(name.to_string(), v.to_string());
            }
        }
    }
    out
}

fn css(name: &str) -> String {
    std::fs::read_to_string(format!("{}/static/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

#[test]
fn interface_colours_meet_wcag_aa_in_light_and_dark() {
    let style = css("style.css");
    let root = &style[style.find(":root {").unwrap()..];
    let light = vars(&root[..root.find('}').unwrap()]);
    let dark_at = style.find("@media (prefers-color-scheme: dark)").unwrap();
    let dark_block = &style[dark_at..];
    let mut dark = light.clone();
    dark.extend(vars(&dark_block[..dark_block.find("}\n}").unwrap()]));
    // (text, background) pairs the stylesheet uses.
    let pairs = [
        ("fg", "bg"),
        ("muted", "bg"),
        ("accent", "bg"),
        ("bg", "accent"),
        ("fg", "ann"),
        ("accent", "ann"),
        ("muted", "ann"),
        ("fg", "mark"),
        ("fg", "code-bg"),
        ("muted", "code-bg"),
    ];
    for (scheme, v) in [("light", &light), ("dark", &dark)] {
        for (fg, bg) in pairs {
            let ratio = contrast(&v[fg], &v[bg]);
            assert!(ratio >= 4.5, "{scheme}: --{fg} on --{bg} is {ratio:.2}:1");
        }
    }
}

#[test]
fn highlighted_code_meets_wcag_aa() {
    let hl = css("highlight.css");
    let dark_at = hl.find("@media (prefers-color-scheme: dark)").unwrap();
    for part in [&hl[..dark_at], &hl[dark_at..]] {
        let bg_at = part.find("background-color:").unwrap() + "background-color:".len();
        let bg = part[bg_at..].trim_start()[..7].to_string();
        let mut n = 0;
        for (i, _) in part.match_indices("color:") {
            if part[..i].ends_with("background-") {
                continue;
            }
            let c = part[i + 6..].trim_start();
            if c.starts_with('#') {
                let c = &c[..7];
                n += 1;
                assert!(
                    contrast(c, &bg) >= 4.5,
                    "{c} on {bg}: {:.2}",
                    contrast(c, &bg)
                );
            }
        }
        assert!(n > 20);
    }
}
