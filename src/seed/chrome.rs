//! Rules that tell page chrome from the text in a raw seed.
//!
//! Input: the seed's lines. Output: a [`Role`] per line — body text, edition
//! metadata (author line, lead summary, rights notice) or chrome to drop (with a
//! [`Reason`]). The rules describe web-page captures of magazine articles: a few
//! short interface lines before the author line, and after the text a follow
//! prompt, the rights notice, advertising, related articles and their dates.
//!
//! Must not decide chapter structure or produce Markdown.

/// Why a line is dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    /// Interface lines of the page (share/scan prompts) before the article.
    PageChrome,
    /// "Follow us" prompt after the article.
    FollowPrompt,
    /// An advertisement block.
    Advertisement,
    /// Titles and dates of related articles.
    RelatedArticles,
}

impl Reason {
    pub fn describe(self) -> &'static str {
        match self {
            Reason::PageChrome => "page chrome",
            Reason::FollowPrompt => "follow prompt",
            Reason::Advertisement => "advertisement",
            Reason::RelatedArticles => "related articles and dates",
        }
    }
}

/// What a seed line is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Blank,
    Body,
    /// `作者丨…`: the author line (kept as metadata).
    Author,
    /// The lead summary before the article (kept as metadata).
    Lead,
    /// The rights notice (kept as metadata).
    Rights,
    Chrome(Reason),
}

/// Classifies every line.
pub fn classify(lines: &[&str]) -> Vec<Role> {
    let mut roles: Vec<Role> = lines
        .iter()
        .map(|l| {
            if l.trim().is_empty() {
                Role::Blank
            } else {
                Role::Body
            }
        })
        .collect();

    // Header: everything before the author line, or leading interface lines.
    let author = lines.iter().take(40).position(|l| author_of(l).is_some());
    let body_start = match author {
        Some(a) => {
            roles[a] = Role::Author;
            let lead = (0..a)
                .filter(|&i| chars(lines[i]) >= 30)
                .max_by_key(|&i| (chars(lines[i]), std::cmp::Reverse(i)));
            for (i, role) in roles.iter_mut().enumerate().take(a) {
                if *role == Role::Body {
                    *role = if Some(i) == lead {
                        Role::Lead
                    } else {
                        Role::Chrome(Reason::PageChrome)
                    };
                }
            }
            a + 1
        }
        None => {
            let mut i = 0;
            while i < lines.len() && (roles[i] == Role::Blank || is_interface_line(lines[i])) {
                if roles[i] == Role::Body {
                    roles[i] = Role::Chrome(Reason::PageChrome);
                }
                i += 1;
            }
            i
        }
    };

    // Trailer: from the first follow prompt or rights notice after the text.
    let trailer =
        (body_start..lines.len()).find(|&i| is_follow_prompt(lines[i]) || is_rights(lines[i]));
    if let Some(t) = trailer {
        let mut in_ad = false;
        for i in t..lines.len() {
            let l = lines[i].trim();
            if roles[i] == Role::Blank {
                continue;
            }
            roles[i] = if is_rights(l) {
                in_ad = false;
                Role::Rights
            } else if is_follow_prompt(l) {
                in_ad = false;
                Role::Chrome(Reason::FollowPrompt)
            } else if is_ad_start(l) || (in_ad && is_labelled_line(l)) {
                in_ad = true;
                Role::Chrome(Reason::Advertisement)
            } else {
                in_ad = false;
                Role::Chrome(Reason::RelatedArticles)
            };
        }
    }
    roles
}

fn chars(s: &str) -> usize {
    s.trim().chars().count()
}

/// The author's name from an author line such as `作者丨陈彩娴`.
pub fn author_of(line: &str) -> Option<&str> {
    let l = line.trim();
    for prefix in ["作者", "文", "撰文"] {
        if let Some(rest) = l.strip_prefix(prefix) {
            let mut cs = rest.chars();
            if let Some(sep) = cs.next()
                && matches!(sep, '丨' | '|' | '｜' | ':' | '：' | '/')
            {
                let name = cs.as_str().trim();
                if !name.is_empty() && name.chars().count() <= 20 {
                    return Some(name);
                }
            }
        }
    }
    None
}

/// Short lines without sentence punctuation, like "微信扫码" or "我要投稿".
fn is_interface_line(line: &str) -> bool {
    let l = line.trim();
    chars(l) <= 12 && !l.contains(['。', '，', ',', '?', '？', '!', '！', '、', '“'])
}

fn is_follow_prompt(line: &str) -> bool {
    let l = line.trim();
    chars(l) <= 40
        && l.contains("关注")
        && (l.contains("点击") || l.contains("扫码") || l.contains("公众号") || l.contains("下方"))
}

fn is_rights(line: &str) -> bool {
    let l = line.trim();
    l.contains("转载") && (l.contains("授权") || l.contains("严禁"))
}

fn is_ad_start(line: &str) -> bool {
    line.contains("服务商") || line.contains("广告") || line.contains("推广")
}

/// `产品:…`, `承诺：…`: a short label followed by a colon.
fn is_labelled_line(line: &str) -> bool {
    line.char_indices()
        .find(|&(_, c)| c == ':' || c == '：')
        .is_some_and(|(i, _)| i > 0 && line[..i].chars().count() <= 6)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn author_lines() {
        assert_eq!(author_of("作者丨陈彩娴"), Some("陈彩娴"));
        assert_eq!(author_of("作者：张三"), Some("张三"));
        assert_eq!(author_of("作者认为这很重要"), None);
        assert_eq!(author_of("文章很长"), None);
    }

    #[test]
    fn classifies_a_capture() {
        let lines = [
            "微信扫码",
            "我要投稿",
            "这是一段很长的导语,它概括了全文的内容,并列出了核心要点,读者可以先读它。",
            "作者丨某人",
            "正文第一段。",
            "",
            "正文第二段,点击这里没有关系。",
            "更多内容,点击下方关注:",
            "未经「某刊」授权,严禁以任何方式转载!",
            "相关文章标题",
            "某某,企业落地首选服务商",
            "产品:咨询",
            "2025-02-08",
        ];
        let r = classify(&lines);
        use Role::*;
        assert_eq!(
            r,
            vec![
                Chrome(Reason::PageChrome),
                Chrome(Reason::PageChrome),
                Lead,
                Author,
                Body,
                Blank,
                Body,
                Chrome(Reason::FollowPrompt),
                Rights,
                Chrome(Reason::RelatedArticles),
                Chrome(Reason::Advertisement),
                Chrome(Reason::Advertisement),
                Chrome(Reason::RelatedArticles),
            ]
        );
    }

    #[test]
    fn without_author_line_drops_leading_interface_lines() {
        let lines = ["分享", "收藏", "正文第一段,有标点。", "短行"];
        let r = classify(&lines);
        assert_eq!(r[0], Role::Chrome(Reason::PageChrome));
        assert_eq!(r[1], Role::Chrome(Reason::PageChrome));
        assert_eq!(r[2], Role::Body);
        assert_eq!(r[3], Role::Body);
    }
}
