//! A synthetic edition for benchmarks: N chapters of Chinese prose, 60 profiles.
//!
//! Input: a chapter count and a seed. Output: the text of every content file
//! (`edition.yaml`, `chapters/NNNNN-slug.md`, `companies/ID.md`,
//! `people/ID.md`), deterministic for a given seed. Each chapter has about
//! 3,000 CJK characters in ~12 paragraphs with bold, links, a blockquote, a few
//! footnotes and, every fifth chapter, a fenced code block; 20 annotations
//! anchored to unique passages of that chapter (every kind, sources where a
//! kind needs them, some dated, `refs` to the entities the passage names); 40
//! companies and 20 people with one to three aliases each, mentioned throughout,
//! with a dated external fact and a fact quoting the text. The result checks
//! with zero diagnostics (a test holds it to that). Must not touch the disk
//! (the CLI writes the files).

use std::fmt::Write as _;

use pinyin::ToPinyin;

/// A tiny deterministic generator (xorshift64*), so corpora are identical everywhere.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

const COMPANY_HEADS: [&str; 20] = [
    "云启", "星河", "深蓝", "极光", "远航", "知行", "天衡", "明镜", "青松", "北辰", "南风", "东岳",
    "西岭", "长风", "金石", "玉衡", "紫微", "赤霄", "白泽", "玄武",
];
const COMPANY_TAILS: [&str; 2] = ["智能", "资本"];
const SURNAMES: [&str; 10] = ["钱", "孙", "郑", "冯", "褚", "卫", "蒋", "沈", "韩", "秦"];
const GIVEN: [&str; 2] = ["知微", "怀瑾"];

const SUBJECTS: &[&str] = &[
    "研究团队",
    "投资人",
    "工程师们",
    "行业观察者",
    "开源社区",
    "早期用户",
    "合作伙伴",
    "学术界",
    "几位受访者",
    "产品经理",
    "创业者",
    "评论者",
];
const VERBS: &[&str] = &[
    "认为",
    "指出",
    "发现",
    "强调",
    "相信",
    "注意到",
    "承认",
    "回忆说",
    "判断",
    "提醒",
];
const CLAUSES: &[&str] = &[
    "训练成本正在快速下降",
    "算力仍然是最稀缺的资源",
    "数据质量决定了能力的上限",
    "长期投入比短期回报更重要",
    "开放权重让更多团队站上同一起跑线",
    "推理效率的提升带来了新的商业模式",
    "人才密度比团队规模更关键",
    "基础研究需要耐心和时间",
    "应用落地考验的是工程能力",
    "市场竞争促使价格持续下探",
    "评测榜单并不能说明一切",
    "组织越扁平，试错越快",
    "融资环境比两年前冷静得多",
    "国产芯片的适配仍有大量工作",
    "年轻研究员往往更敢于尝试新路线",
    "真正的创新很少来自模仿",
];
const TIMES: &[&str] = &[
    "去年春天",
    "那一年年底",
    "第一轮融资之后",
    "模型发布的前一周",
    "此后几个月里",
    "最初的半年",
    "一次内部讨论中",
    "在公开演讲里",
];
const TOPICS: &[&str] = &[
    "算力与成本",
    "人才与组织",
    "资本的耐心",
    "开源的选择",
    "商业化的路径",
    "研究的方向",
];

/// One profile of the synthetic edition.
struct Profile {
    id: String,
    name: String,
    aliases: Vec<String>,
    company: bool,
}

fn pinyin_of(s: &str) -> String {
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if let Some(p) = c.to_pinyin() {
            let p = p.plain();
            if i == 0 {
                let mut cs = p.chars();
                if let Some(f) = cs.next() {
                    out.extend(f.to_uppercase());
                    out.push_str(cs.as_str());
                }
            } else {
                out.push_str(p);
            }
        }
    }
    out
}

fn profiles() -> Vec<Profile> {
    let mut out = Vec::with_capacity(60);
    for (i, head) in COMPANY_HEADS.iter().enumerate() {
        for (j, tail) in COMPANY_TAILS.iter().enumerate() {
            let name = format!("{head}{tail}");
            let latin = format!(
                "{} {}",
                pinyin_of(head),
                if j == 0 { "AI" } else { "Capital" }
            );
            // One to three aliases: the name, a Latin name, for some a short form.
            let mut aliases = vec![latin];
            if (i + j) % 3 == 0 {
                aliases.push(format!("{head}{}", if j == 0 { "公司" } else { "基金" }));
            }
            out.push(Profile {
                id: format!("c{:02}", out.len() + 1),
                name,
                aliases,
                company: true,
            });
        }
    }
    for s in SURNAMES {
        for g in GIVEN {
            let name = format!("{s}{g}");
            let latin = format!("{} {}", pinyin_of(g), pinyin_of(s));
            out.push(Profile {
                id: format!("p{:02}", out.len() - 39),
                name,
                aliases: vec![latin],
                company: false,
            });
        }
    }
    out
}

/// A passage that can carry an annotation: unique in its chapter, plain text.
struct Passage {
    text: String,
    entities: Vec<usize>,
}

/// The files of a synthetic edition with `chapters` chapters.
pub fn generate(chapters: usize, seed: u64) -> Vec<(String, String)> {
    let people = profiles();
    let mut files = Vec::with_capacity(chapters + people.len() + 1);
    files.push((
        "edition.yaml".to_string(),
        "title: 合成版本\nsubtitle: 用于基准测试的合成语料\nlanguage: zh-CN\nsource:\n  author: 基准测试\n  publication: glossa\n  rights: 合成文本，仅供测试。\n".to_string(),
    ));
    let mut w = Writer::new(&people, seed);
    for ch in 0..chapters {
        let slug = format!("s{:05}", ch + 1);
        let (body, passages) = w.chapter_body(ch, &slug);
        let mut text = front_matter(ch, &slug, &passages, &people);
        text.push_str(&body);
        files.push((format!("chapters/{:05}-{slug}.md", ch + 1), text));
    }
    for (i, pr) in people.iter().enumerate() {
        let folder = if pr.company { "companies" } else { "people" };
        let text = profile_file(i, pr, &people, w.quoted[i].as_ref());
        files.push((format!("{folder}/{}.md", pr.id), text));
    }
    files
}

/// The "plain" corpus: the same chapters' text with only a title and an
/// order in their front matter — no annotations, no profiles — so that other
/// static-site generators can build the very same files (`scripts/bench-peers`).
pub fn generate_plain(chapters: usize, seed: u64) -> Vec<(String, String)> {
    let people = profiles();
    let mut files = Vec::with_capacity(chapters + 1);
    files.push((
        "edition.yaml".to_string(),
        "title: 合成版本\nlanguage: zh-CN\ncheck:\n  names: []\n".to_string(),
    ));
    let mut w = Writer::new(&people, seed);
    for ch in 0..chapters {
        let slug = format!("s{:05}", ch + 1);
        let (body, _) = w.chapter_body(ch, &slug);
        let topic = TOPICS[ch % TOPICS.len()];
        let text = format!(
            "---\ntitle: '第 {} 章：{topic}'\norder: {}\n---\n\n{body}",
            ch + 1,
            ch + 1
        );
        files.push((format!("chapters/{:05}-{slug}.md", ch + 1), text));
    }
    files
}

/// The state of the generator across chapters.
struct Writer<'p> {
    rng: Rng,
    people: &'p [Profile],
    /// Per profile: (chapter slug, a unique passage naming it), for its quoted fact.
    quoted: Vec<Option<(String, String)>>,
    /// Numbers every sentence, so passages are unique.
    serial: u64,
    /// Rotates mentions through every profile.
    mentions: usize,
}

impl<'p> Writer<'p> {
    fn new(people: &'p [Profile], seed: u64) -> Writer<'p> {
        Writer {
            rng: Rng::new(seed),
            people,
            quoted: vec![None; people.len()],
            serial: 0,
            mentions: 0,
        }
    }

    /// A chapter's Markdown (12 paragraphs of ~250 CJK characters, with bold,
    /// links, a blockquote, two footnotes, every fifth chapter a code block)
    /// and the passages that can carry an annotation.
    fn chapter_body(&mut self, ch: usize, slug: &str) -> (String, Vec<Passage>) {
        let mut body = String::with_capacity(12 * 1024);
        let mut passages: Vec<Passage> = Vec::new();
        for p in 0..12 {
            let mut para = String::new();
            for s in 0..11 {
                self.sentence(p, s, slug, &mut para, &mut passages);
            }
            if p == 2 {
                para.push_str("[^1]");
            }
            if p == 7 {
                para.push_str("[^2]");
            }
            if p == 5 {
                body.push_str("> ");
            }
            body.push_str(&para);
            body.push_str("\n\n");
            if p == 8 && ch.is_multiple_of(5) {
                let _ = write!(
                    body,
                    "```python\ndef cost(tokens, price={}):\n    return tokens * price / 1000\n```\n\n",
                    ch % 7 + 1
                );
            }
        }
        let _ = write!(
            body,
            "[^1]: 这一说法来自第 {} 章的访谈记录。\n[^2]: 数字为作者估算。\n",
            ch + 1
        );
        (body, passages)
    }

    /// Sentence `s` of paragraph `p`: every other one names a profile; some
    /// are bold or linked (those are not annotated), the rest are passages.
    fn sentence(
        &mut self,
        p: usize,
        s: usize,
        slug: &str,
        para: &mut String,
        passages: &mut Vec<Passage>,
    ) {
        self.serial += 1;
        let serial = self.serial;
        let ent = s.is_multiple_of(2).then(|| {
            self.mentions += 1;
            self.mentions % self.people.len()
        });
        let clause = format!("{}（第 {serial} 例）", self.rng.pick(CLAUSES));
        let sentence = match ent {
            Some(e) => {
                let pr = &self.people[e];
                let form = if self.rng.below(4) == 0 {
                    pr.aliases[self.rng.below(pr.aliases.len())].clone()
                } else {
                    pr.name.clone()
                };
                let time = self.rng.pick(TIMES);
                format!("{time}，{form}{}{}", self.rng.pick(VERBS), clause)
            }
            None => {
                let subject = self.rng.pick(SUBJECTS);
                format!("{subject}{}{}", self.rng.pick(VERBS), clause)
            }
        };
        match (p + s) % 9 {
            3 => {
                let _ = write!(para, "**{sentence}**。");
            }
            5 => {
                let _ = write!(para, "[{sentence}](https://example.org/notes/{serial})。");
            }
            _ => {
                para.push_str(&sentence);
                para.push('。');
                if let Some(e) = ent
                    && self.quoted[e].is_none()
                {
                    self.quoted[e] = Some((slug.to_string(), sentence.clone()));
                }
                passages.push(Passage {
                    text: sentence,
                    entities: ent.into_iter().collect(),
                });
            }
        }
    }
}

/// A chapter's front matter: title, order, summary and twenty annotations on
/// distinct passages spread over the chapter (all kinds, sources where
/// needed, some dated, refs to the profile a passage names).
fn front_matter(ch: usize, slug: &str, passages: &[Passage], people: &[Profile]) -> String {
    let mut fm = String::with_capacity(8 * 1024);
    let topic = TOPICS[ch % TOPICS.len()];
    let _ = write!(
        fm,
        "---\ntitle: '第 {} 章：{topic}'\norder: {}\nsummary: '合成章节，讨论{topic}。'\nannotations:\n",
        ch + 1,
        ch + 1
    );
    let kinds = [
        "note",
        "context",
        "definition",
        "fact-check",
        "translation",
        "source",
    ];
    let step = (passages.len() / 20).max(1);
    for (k, pa) in passages.iter().step_by(step).take(20).enumerate() {
        let kind = kinds[k % kinds.len()];
        let _ = write!(
            fm,
            "  - id: {slug}-n{k}\n    quote: '{}'\n    kind: {kind}\n    note: |\n      第 {} 条注释：这里补充背景，并指出**要点**。\n",
            pa.text,
            k + 1
        );
        if k % 2 == 1 || kind == "context" || kind == "fact-check" {
            let _ = write!(
                fm,
                "    sources:\n      - title: '参考资料 {k}'\n        publisher: '合成出版社'\n        url: 'https://example.org/sources/{slug}/{k}'\n        date: '2024-0{}'\n",
                k % 9 + 1
            );
            if k % 4 == 1 {
                let _ = writeln!(fm, "    date: '202{}-0{}'", k % 5, k % 9 + 1);
            }
        }
        if let Some(&e) = pa.entities.first() {
            let _ = writeln!(fm, "    refs: [{}]", people[e].id);
        }
    }
    fm.push_str("---\n\n");
    fm
}

/// Profile `i`: names, group or role, a dated external fact, a fact quoting
/// the text (`quoted`), and a short body.
fn profile_file(
    i: usize,
    pr: &Profile,
    people: &[Profile],
    quoted: Option<&(String, String)>,
) -> String {
    let mut t = String::with_capacity(1024);
    let _ = write!(t, "---\nname: '{}'\naliases: [", pr.name);
    for (k, a) in pr.aliases.iter().enumerate() {
        if k > 0 {
            t.push_str(", ");
        }
        let _ = write!(t, "'{a}'");
    }
    t.push_str("]\n");
    if pr.company {
        let group = if pr.name.ends_with("资本") {
            "投资机构"
        } else {
            "模型公司"
        };
        let _ = write!(
            t,
            "group: '{group}'\ndescription: '合成公司 {}。'\nfounded: '20{}'\n",
            pr.name,
            10 + i % 15
        );
    } else {
        let org = &people[i % 40].id;
        let _ = write!(
            t,
            "description: '合成人物 {}。'\nroles:\n  - org: {org}\n    title: '创始人'\n",
            pr.name
        );
    }
    let _ = write!(
        t,
        "facts:\n  - label: '{}'\n    value: '20{} 年'\n    date: '20{}'\n    source:\n      title: '合成百科：{}'\n      publisher: '合成百科'\n      url: 'https://example.org/wiki/{}'\n",
        if pr.company { "成立" } else { "入行" },
        10 + i % 15,
        10 + i % 15,
        pr.name,
        pr.id
    );
    if let Some((slug, quote)) = quoted {
        let _ = write!(
            t,
            "  - label: '文中'\n    value: '首次出现'\n    source:\n      chapter: '{slug}'\n      quote: '{quote}'\n"
        );
    }
    let _ = write!(
        t,
        "---\n\n{} 是合成语料中的{}。这段简介用于测试档案页面的渲染。\n",
        pr.name,
        if pr.company { "公司" } else { "人物" }
    );
    t
}
