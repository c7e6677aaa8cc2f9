//! Text transformations for imported paragraphs.
//!
//! Input: one source paragraph (a line of the seed). Output: Markdown that
//! renders to exactly that text ([`escape_markdown`]), the optional full-width
//! punctuation normalisation ([`normalize_punctuation`]), and a summary sentence
//! ([`first_sentence`]). Never inserts or removes spaces between characters.
//!
//! Must not know about files, plans or chapters.

use crate::cjk::is_cjk;

/// Escapes `text` so that, as a Markdown paragraph, it renders to exactly `text`.
pub fn escape_markdown(text: &str) -> String {
    let text = text.trim();
    let mut out = String::with_capacity(text.len() + 8);
    for (i, c) in text.char_indices() {
        let at_start = i == 0;
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '&' | '~' | '|' => {
                out.push('\\');
                out.push(c);
            }
            '#' | '-' | '+' | '=' if at_start => {
                out.push('\\');
                out.push(c);
            }
            '.' | ')' if text[..i].bytes().all(|b| b.is_ascii_digit()) && i > 0 => {
                // `1. ` or `1) ` at the start would open an ordered list.
                out.push('\\');
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    out
}

/// Half-width punctuation that has a full-width counterpart in Chinese text.
fn full_width(c: char) -> Option<char> {
    Some(match c {
        ',' => '，',
        ':' => '：',
        ';' => '；',
        '?' => '？',
        '!' => '！',
        '(' => '（',
        ')' => '）',
        _ => return None,
    })
}

/// Replaces half-width `,:;?!()` by full-width forms where they punctuate
/// Chinese text: a mark directly attached (no space) to a Chinese character on
/// either side, looking through neighbouring marks (`收购),且`). Parentheses
/// are converted as matched pairs, so `（…）` never mixes widths. Marks set in
/// Latin context (`RL+SFT, 以及`, `a,b`, `(THUNLP)` after a space) are kept,
/// except `?`/`!` ending a sentence of mostly Chinese text (`如何成为 DeepSeek?`).
pub fn normalize_punctuation(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let near = |i: usize, back: bool| -> Option<char> {
        let mut j = i;
        loop {
            if back {
                j = j.checked_sub(1)?;
            } else {
                j += 1;
            }
            let c = *chars.get(j)?;
            if full_width(c).is_none() {
                return Some(c);
            }
        }
    };
    let chinese_text = chars.iter().filter(|c| is_cjk(**c)).count() * 2 > chars.len() / 2;
    let attached =
        |i: usize| near(i, true).is_some_and(is_cjk) || near(i, false).is_some_and(is_cjk);
    let mut convert = vec![false; chars.len()];
    let mut open: Vec<usize> = Vec::new();
    for (i, &c) in chars.iter().enumerate() {
        match c {
            '(' => open.push(i),
            ')' => match open.pop() {
                Some(o) => {
                    let both = attached(o) || attached(i);
                    convert[o] = both;
                    convert[i] = both;
                }
                None => convert[i] = attached(i),
            },
            // A question or exclamation mark that ends a Chinese sentence.
            '?' | '!' if chinese_text && near(i, false).is_none_or(|n| n == '”') => {
                convert[i] = true
            }
            _ if full_width(c).is_some() => convert[i] = attached(i),
            _ => {}
        }
    }
    for o in open {
        convert[o] = attached(o);
    }
    let mut out: Vec<char> = chars
        .iter()
        .zip(convert)
        .map(|(&c, conv)| if conv { full_width(c).unwrap_or(c) } else { c })
        .collect();
    curly_quotes(&mut out);
    out.into_iter().collect()
}

/// ASCII `"` marks used as Chinese quotation marks become `“` and `”`: in
/// pairs, where the opening or the closing mark touches a Chinese character.
fn curly_quotes(chars: &mut [char]) {
    let at: Vec<usize> = (0..chars.len()).filter(|&i| chars[i] == '"').collect();
    if !at.len().is_multiple_of(2) {
        return; // unbalanced: leave them as they are
    }
    for pair in at.chunks(2) {
        let (o, c) = (pair[0], pair[1]);
        let cjk_at = |i: Option<usize>| i.and_then(|i| chars.get(i)).is_some_and(|c| is_cjk(*c));
        let touches = cjk_at(o.checked_sub(1))
            || cjk_at(Some(o + 1))
            || cjk_at(c.checked_sub(1))
            || cjk_at(Some(c + 1));
        if touches {
            chars[o] = '“';
            chars[c] = '”';
        }
    }
}

/// The first words of a paragraph, enough to find it again (a plan's
/// `starts`): up to the first comma or 12 characters, whichever is shorter,
/// at least 6 characters.
pub fn opening_words(text: &str) -> String {
    let t = text.trim();
    let cut = t
        .char_indices()
        .enumerate()
        .find(|(n, (_, c))| (*n >= 6 && matches!(c, '，' | ',' | '。' | '：' | ':')) || *n >= 12)
        .map_or(t.len(), |(_, (i, _))| i);
    t[..cut].trim_end().to_string()
}

/// A slug for a chapter title: its Latin words, or the pinyin of its Chinese
/// characters (numbering dropped), at most five words; `chapter-N` when
/// nothing is left.
pub fn slug_of(title: &str, n: usize) -> String {
    use pinyin::ToPinyin;
    let t = strip_numbering(title);
    let mut words: Vec<String> = Vec::new();
    let mut latin = String::new();
    for c in t.chars() {
        if c.is_ascii_alphanumeric() {
            latin.push(c.to_ascii_lowercase());
            continue;
        }
        if !latin.is_empty() {
            words.push(std::mem::take(&mut latin));
        }
        if let Some(p) = c.to_pinyin() {
            words.push(p.plain().to_string());
        }
    }
    if !latin.is_empty() {
        words.push(latin);
    }
    words.truncate(5);
    let slug = words.join("-");
    if slug.is_empty() {
        format!("chapter-{n}")
    } else {
        slug
    }
}

/// A heading without its numbering (`一、`, `1. `, `01 `, `Part I: `).
fn strip_numbering(title: &str) -> &str {
    let t = title.trim();
    if let Some((n, rest)) = t.split_once('、')
        && n.chars()
            .all(|c| "一二三四五六七八九十0123456789".contains(c))
    {
        return rest.trim();
    }
    for p in ["Part ", "Chapter ", "Section "] {
        if let Some(rest) = t.strip_prefix(p)
            && let Some((_, title)) = rest.split_once([':', '.'])
        {
            return title.trim();
        }
    }
    let digits = t.bytes().take_while(u8::is_ascii_digit).count();
    if digits > 0 && digits <= 2 {
        return t[digits..].trim_start_matches(['.', '．', ' ']).trim();
    }
    t
}

/// The first sentence of `text` (up to and including `。！？!?`), at most
/// `max` characters (cut with `…`).
pub fn first_sentence(text: &str, max: usize) -> String {
    let mut out = String::new();
    for (n, c) in text.trim().chars().enumerate() {
        if n >= max {
            out.push('…');
            return out;
        }
        out.push(c);
        if matches!(c, '。' | '！' | '？' | '!' | '?') {
            break;
        }
    }
    out
}

/// The lead summary as Markdown: punctuation normalised when asked, and
/// numbered points run together in the source (`核心内容:1. 甲2. 乙3. 丙`)
/// set as a list after the words that introduce them.
pub fn lead_markdown(lead: &str, normalize: bool) -> String {
    let lead = if normalize {
        normalize_punctuation(lead.trim())
    } else {
        lead.trim().to_string()
    };
    let points = numbered_points(&lead);
    if points.len() < 2 {
        return escape_markdown(&lead);
    }
    let mut out = String::new();
    let intro = lead[..points[0].0].trim();
    if !intro.is_empty() {
        out.push_str(&escape_markdown(intro));
        out.push_str("\n\n");
    }
    for (k, &(_, text_start)) in points.iter().enumerate() {
        let end = points.get(k + 1).map_or(lead.len(), |p| p.0);
        let item = lead[text_start..end].trim();
        out.push_str(&format!("{}. {}\n", k + 1, escape_markdown(item)));
    }
    out.trim_end().to_string()
}

/// The points `1. ` `2. ` … numbered in sequence from 1 in `text`: for each,
/// where its number starts and where its text starts.
fn numbered_points(text: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut from = 0;
    loop {
        let marker = format!("{}.", out.len() + 1);
        let Some(i) = text[from..].find(&marker).map(|i| i + from) else {
            return out;
        };
        let after = i + marker.len();
        let spaced = text[after..].starts_with(' ');
        let before_digit = text[..i]
            .chars()
            .next_back()
            .is_some_and(|c| c.is_ascii_digit());
        if spaced && !before_digit {
            out.push((i, after + 1));
            from = after + 1;
        } else {
            from = after;
        }
    }
}

/// Whether a paragraph is entirely a quotation: `“…”`.
pub fn is_quoted(text: &str) -> bool {
    text.starts_with('“') && text.ends_with('”') && text.chars().count() > 2
}

/// Whether a paragraph is only an ellipsis (the end of a quoted run).
pub fn is_ellipsis(text: &str) -> bool {
    matches!(text, "……" | "…" | "..." | "……。")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_quotes_between_chinese_become_curly() {
        assert_eq!(normalize_punctuation("他说\"好的\"。"), "他说“好的”。");
        assert_eq!(
            normalize_punctuation("say \"hi\" twice"),
            "say \"hi\" twice"
        );
        assert_eq!(normalize_punctuation("一个\"引号"), "一个\"引号");
    }

    #[test]
    fn slugs_and_opening_words() {
        assert_eq!(slug_of("一、为什么选了有轨电车", 1), "wei-shen-me-xuan-le");
        assert_eq!(
            slug_of("Part I: Who actually rides at night", 2),
            "who-actually-rides-at-night"
        );
        assert_eq!(slug_of("1. 一辆车能装多少", 3), "yi-liang-che-neng-zhuang");
        assert_eq!(slug_of("——", 4), "chapter-4");
        assert_eq!(
            opening_words("早在十年前，澜湾就讨论过要不要修地铁。"),
            "早在十年前，澜湾就讨论过"
        );
    }

    #[test]
    fn leads_become_markdown_with_their_points_as_a_list() {
        assert_eq!(
            lead_markdown(
                "深度剖析现象,揭示秘诀。核心内容:1. 两极分化2. DeepSeek技术突破3. 如何复制",
                true
            ),
            "深度剖析现象，揭示秘诀。核心内容：\n\n1. 两极分化\n2. DeepSeek技术突破\n3. 如何复制"
        );
        assert_eq!(lead_markdown("一句话。", true), "一句话。");
        // One number is not a list; numbers inside words are not points.
        assert_eq!(lead_markdown("见 1. 节", false), "见 1. 节");
        assert_eq!(lead_markdown("GPT-4 与 11. 号", false), "GPT-4 与 11. 号");
    }
    use crate::text::visible_blocks;

    fn roundtrip(s: &str) {
        let md = escape_markdown(s);
        assert_eq!(
            visible_blocks(&md),
            vec![s.trim().to_string()],
            "markdown: {md}"
        );
    }

    #[test]
    fn escaped_text_renders_to_itself() {
        for s in [
            "普通的中文段落。",
            "# 不是标题",
            "1. 不是列表",
            "2023) 也不是",
            "- 不是列表项",
            "+ 也不是",
            "> 不是引用",
            "*不是强调* 与 _也不是_ 与 **粗**",
            "[链接](不是) 与 ![图](x)",
            "a <b>html</b> &amp; &copy; 实体",
            "`代码` 与 \\ 反斜杠",
            "~~删除线~~ | 表格 |",
            "---",
            "===",
            "“XXX 家连基本的大模型技术团队都没有,为什么要投?”",
            "Top2 高校[^1] 脚注",
            "2020 年 6 月到 2022 年",
        ] {
            roundtrip(s);
        }
    }

    #[test]
    fn normalizes_between_chinese_only() {
        assert_eq!(normalize_punctuation("风暴后,中国"), "风暴后，中国");
        assert_eq!(normalize_punctuation("什么样的变化?"), "什么样的变化？");
        assert_eq!(
            normalize_punctuation("聆心(后被智谱收购),且"),
            "聆心（后被智谱收购），且"
        );
        assert_eq!(normalize_punctuation("公司:智谱"), "公司：智谱");
        assert_eq!(normalize_punctuation("清华;2023 年"), "清华；2023 年");
        assert_eq!(normalize_punctuation("DeepSeek?他们"), "DeepSeek？他们");
        assert_eq!(
            normalize_punctuation("如何成为 DeepSeek?"),
            "如何成为 DeepSeek？"
        );
        assert_eq!(
            normalize_punctuation("“成为 DeepSeek?”"),
            "“成为 DeepSeek？”"
        );
        assert_eq!(normalize_punctuation("Is it DeepSeek?"), "Is it DeepSeek?");
        assert_eq!(
            normalize_punctuation("实验室(THUNLP)走出"),
            "实验室（THUNLP）走出"
        );
        assert_eq!(normalize_punctuation("模型(Llama 2)"), "模型（Llama 2）");
        // Latin context untouched.
        assert_eq!(
            normalize_punctuation("RL+SFT, 以及 (THUNLP)"),
            "RL+SFT, 以及 (THUNLP)"
        );
        assert_eq!(
            normalize_punctuation("R1-Zero,DeepSeek"),
            "R1-Zero,DeepSeek"
        );
        assert_eq!(normalize_punctuation("a,b"), "a,b");
        assert_eq!(
            normalize_punctuation("DeepSeek 风暴后,中国"),
            "DeepSeek 风暴后，中国"
        );
        // No spaces added or removed.
        assert_eq!(normalize_punctuation("选择了 字节跳动"), "选择了 字节跳动");
    }

    #[test]
    fn sentences() {
        assert_eq!(first_sentence("甲乙。丙丁。", 60), "甲乙。");
        assert_eq!(first_sentence("甲乙丙丁", 2), "甲乙…");
        assert_eq!(first_sentence("什么变化?后来", 60), "什么变化?");
    }
}
