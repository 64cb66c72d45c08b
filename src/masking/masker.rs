//! The masker: a set of secret values (stored zeroize-on-drop), compiled lazily
//! into one Aho-Corasick automaton over every value and its encodings.

use std::borrow::Borrow;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use aho_corasick::{AhoCorasick, AhoCorasickKind, Input, MatchKind};
use zeroize::Zeroizing;

use super::encode::{for_each_form, Origin};
use crate::error::SgError;

/// A stored secret value or pattern: zeroed when dropped, hashable by content.
#[derive(PartialEq, Eq)]
struct Stored(Zeroizing<Vec<u8>>);

impl Hash for Stored {
    fn hash<H: Hasher>(&self, h: &mut H) {
        self.0.as_slice().hash(h)
    }
}

impl Borrow<[u8]> for Stored {
    fn borrow(&self) -> &[u8] {
        self.0.as_slice()
    }
}

#[derive(Clone, Debug)]
pub struct MaskOptions {
    /// Replacement for each masked region.
    pub censor: String,
    /// Register the derived encodings (base64, hex, JSON, URL, XML, lines...).
    pub encodings: bool,
    /// Minimum length in characters of a value (refused below) and of any derived form (dropped below).
    pub min_length: usize,
    /// `partial`: reveal at most this many trailing characters of a raw value (0 = off).
    pub keep_last: usize,
    /// What precedes the revealed suffix in partial mode.
    pub partial_mask: String,
    /// How long a retired value stays masked.
    pub grace: Duration,
}

impl Default for MaskOptions {
    fn default() -> Self {
        MaskOptions {
            censor: "[REDACTED]".into(),
            encodings: true,
            min_length: 4,
            keep_last: 0,
            partial_mask: "****".into(),
            grace: Duration::from_secs(3600),
        }
    }
}

/// The compiled automaton plus what masking needs to know per pattern.
pub struct Compiled {
    ac: Option<AhoCorasick>,
    raw: Vec<bool>,
    censor: Vec<u8>,
    keep_last: usize,
    partial_mask: Vec<u8>,
    pub patterns: usize,
}

pub struct Masker {
    opts: MaskOptions,
    /// value -> retirement deadline (None while active).
    secrets: HashMap<Stored, Option<Instant>>,
    next_expiry: Option<Instant>,
    compiled: Option<Arc<Compiled>>,
}

fn char_len(v: &str) -> usize {
    v.chars().count()
}

impl Masker {
    pub fn new(opts: MaskOptions) -> Self {
        Masker { opts, secrets: HashMap::new(), next_expiry: None, compiled: None }
    }

    pub fn options(&self) -> &MaskOptions {
        &self.opts
    }

    pub fn set_options(&mut self, opts: MaskOptions) {
        self.opts = opts;
        self.compiled = None;
    }

    /// Register a value. Refuses values shorter than `min_length` (code
    /// VALUE_TOO_SHORT; the message never contains the value). Returns whether
    /// the value was new (re-adding a retired value makes it active again).
    pub fn add(&mut self, value: &str) -> Result<bool, SgError> {
        let n = char_len(value);
        if n < self.opts.min_length {
            return Err(SgError::new(
                "VALUE_TOO_SHORT",
                format!(
                    "refusing to mask a value of {} character(s): minLength is {} (short values would mask ordinary text)",
                    n, self.opts.min_length
                ),
            ));
        }
        Ok(self.insert(value))
    }

    /// Like `add`, but silently skips values that are too short. Returns whether anything changed.
    pub fn learn(&mut self, value: &str) -> bool {
        if char_len(value) < self.opts.min_length {
            return false;
        }
        self.insert(value)
    }

    fn insert(&mut self, value: &str) -> bool {
        match self.secrets.get_mut(value.as_bytes()) {
            Some(state) => {
                if state.is_some() {
                    *state = None;
                    self.recompute_next_expiry();
                }
                false
            }
            None => {
                self.secrets.insert(Stored(Zeroizing::new(value.as_bytes().to_vec())), None);
                self.compiled = None;
                true
            }
        }
    }

    /// Is `value` registered and active (not retired)?
    pub fn contains_active(&self, value: &str) -> bool {
        matches!(self.secrets.get(value.as_bytes()), Some(None))
    }

    /// Forget a value now. Returns whether it was known.
    pub fn remove(&mut self, value: &str) -> bool {
        match self.secrets.remove(value.as_bytes()) {
            None => false,
            Some(deadline) => {
                self.compiled = None;
                if deadline.is_some() {
                    self.recompute_next_expiry();
                }
                true
            }
        }
    }

    /// Keep masking `value` for `grace` (default: the configured grace), then forget it.
    pub fn retire(&mut self, value: &str, grace: Option<Duration>, now: Instant) -> bool {
        let grace = grace.unwrap_or(self.opts.grace);
        if grace.is_zero() {
            return self.remove(value);
        }
        match self.secrets.get_mut(value.as_bytes()) {
            Some(state) => {
                let deadline = now + grace;
                *state = Some(state.map_or(deadline, |d| d.min(deadline)));
                self.recompute_next_expiry();
                true
            }
            None => false,
        }
    }

    fn recompute_next_expiry(&mut self) {
        self.next_expiry = self.secrets.values().filter_map(|d| *d).min();
    }

    /// Forget retired values whose grace period has ended.
    pub fn purge(&mut self, now: Instant) {
        if self.next_expiry.is_some_and(|t| t <= now) {
            let before = self.secrets.len();
            self.secrets.retain(|_, d| d.is_none_or(|t| t > now));
            if self.secrets.len() != before {
                self.compiled = None;
            }
            self.recompute_next_expiry();
        }
    }

    pub fn len(&self) -> usize {
        self.secrets.len()
    }

    pub fn is_empty(&self) -> bool {
        self.secrets.is_empty()
    }

    pub fn clear(&mut self) {
        self.secrets.clear();
        self.next_expiry = None;
        self.compiled = None;
    }

    /// The compiled automaton if it is current at `now`.
    pub fn fresh(&self, now: Option<Instant>) -> Option<&Arc<Compiled>> {
        let c = self.compiled.as_ref()?;
        match (self.next_expiry, now) {
            (Some(t), Some(now)) if t <= now => None,
            (Some(_), None) => None,
            _ => Some(c),
        }
    }

    pub fn needs_clock(&self) -> bool {
        self.next_expiry.is_some()
    }

    /// Purge expired values and (re)build the automaton if needed.
    pub fn compiled(&mut self, now: Instant) -> Arc<Compiled> {
        self.purge(now);
        if let Some(c) = &self.compiled {
            return c.clone();
        }
        let c = Arc::new(self.compile());
        self.compiled = Some(c.clone());
        c
    }

    fn compile(&self) -> Compiled {
        let mut pats: HashMap<Stored, bool> = HashMap::new();
        for key in self.secrets.keys() {
            // Stored values came from &str.
            let v = std::str::from_utf8(&key.0).unwrap_or_default();
            for_each_form(v, self.opts.encodings, self.opts.min_length, &mut |bytes, origin| {
                let raw = origin == Origin::Raw;
                let e = pats.entry(Stored(bytes)).or_insert(false);
                *e |= raw;
            });
        }
        let (list, raw): (Vec<Stored>, Vec<bool>) = pats.into_iter().unzip();
        let ac = if list.is_empty() {
            None
        } else {
            let total: usize = list.iter().map(|p| p.0.len()).sum();
            let mut b = AhoCorasick::builder();
            b.match_kind(MatchKind::LeftmostLongest);
            // A DFA is the fastest to search; it costs ~(states x byte classes x 4)
            // bytes, so use it while the pattern set is modest and let the crate
            // pick (contiguous NFA) for large sets.
            if total <= 200_000 {
                b.kind(Some(AhoCorasickKind::DFA));
            }
            b.build(list.iter().map(|p| p.0.as_slice())).ok().or_else(|| {
                AhoCorasick::builder()
                    .match_kind(MatchKind::LeftmostLongest)
                    .build(list.iter().map(|p| p.0.as_slice()))
                    .ok()
            })
        };
        Compiled {
            ac,
            patterns: raw.len(),
            raw,
            censor: self.opts.censor.as_bytes().to_vec(),
            keep_last: self.opts.keep_last,
            partial_mask: self.opts.partial_mask.as_bytes().to_vec(),
        }
    }
}

impl Compiled {
    /// No patterns: masking returns its input.
    pub fn is_empty(&self) -> bool {
        self.ac.is_none()
    }

    /// Mask `hay`. Returns None when nothing matched (the caller can reuse its input).
    ///
    /// Leftmost-longest matches; after each match the search resumes one byte
    /// after the match *start*, so a secret starting inside another one and
    /// running past its end is found too. Overlapping and adjacent matches are
    /// merged into one censored region.
    pub fn mask_bytes(&self, hay: &[u8]) -> Option<Vec<u8>> {
        let ac = self.ac.as_ref()?;
        let first = ac.find(Input::new(hay))?;
        let mut out = Vec::with_capacity(hay.len());
        let mut copied = 0;
        let (mut rs, mut re) = (first.start(), first.end());
        let mut first_m = first;
        let mut last_start = first.start();
        loop {
            let next = if last_start < hay.len() { ac.find(Input::new(hay).range(last_start + 1..)) } else { None };
            match next {
                Some(m) if m.start() <= re => {
                    re = re.max(m.end());
                    last_start = m.start();
                }
                other => {
                    out.extend_from_slice(&hay[copied..rs]);
                    self.censor_into(&mut out, &hay[rs..re], (rs, re) == (first_m.start(), first_m.end()) && self.raw[first_m.pattern().as_usize()]);
                    copied = re;
                    match other {
                        None => break,
                        Some(m) => {
                            rs = m.start();
                            re = m.end();
                            first_m = m;
                            last_start = m.start();
                        }
                    }
                }
            }
        }
        out.extend_from_slice(&hay[copied..]);
        Some(out)
    }

    /// Partial format: `partial_mask` followed by the last N characters, where
    /// N = min(keep_last, chars / 4) — never more than keep_last and never more
    /// than a quarter of the value; only for a region that is exactly one raw
    /// value (never for encodings or merged regions).
    fn censor_into(&self, out: &mut Vec<u8>, region: &[u8], single_raw: bool) {
        if single_raw && self.keep_last > 0 {
            if let Ok(s) = std::str::from_utf8(region) {
                let n = s.chars().count();
                let shown = self.keep_last.min(n / 4);
                if shown > 0 {
                    let start = s.char_indices().nth(n - shown).map(|(i, _)| i).unwrap_or(s.len());
                    out.extend_from_slice(&self.partial_mask);
                    out.extend_from_slice(&s.as_bytes()[start..]);
                    return;
                }
            }
        }
        out.extend_from_slice(&self.censor);
    }
}

/// A masker shared between threads (the napi class and the process-wide default).
pub type Shared = Arc<RwLock<Masker>>;

/// The current automaton of a shared masker: a read lock in the common case,
/// a write lock only to purge expired values or rebuild after add/remove.
pub fn current(shared: &RwLock<Masker>) -> Arc<Compiled> {
    {
        let g = shared.read().unwrap_or_else(|e| e.into_inner());
        let now = if g.needs_clock() { Some(Instant::now()) } else { None };
        if let Some(c) = g.fresh(now) {
            return c.clone();
        }
    }
    let mut g = shared.write().unwrap_or_else(|e| e.into_inner());
    g.compiled(Instant::now())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(opts: MaskOptions, vals: &[&str]) -> Masker {
        let mut m = Masker::new(opts);
        for v in vals {
            m.add(v).unwrap();
        }
        m
    }
    fn run(m: &mut Masker, s: &str) -> String {
        let c = m.compiled(Instant::now());
        c.mask_bytes(s.as_bytes()).map(|v| String::from_utf8(v).unwrap()).unwrap_or_else(|| s.to_string())
    }

    #[test]
    fn masks_and_merges() {
        let mut k = m(MaskOptions::default(), &["abcdef", "defghi", "zzzz"]);
        assert_eq!(run(&mut k, "x abcdefghi y"), "x [REDACTED] y");
        assert_eq!(run(&mut k, "abcdefzzzz"), "[REDACTED]");
        assert_eq!(run(&mut k, "abcdef zzzz"), "[REDACTED] [REDACTED]");
        assert_eq!(run(&mut k, "nothing here"), "nothing here");
        assert!(k.compiled(Instant::now()).mask_bytes(b"nothing").is_none());
    }

    #[test]
    fn too_short_is_refused_without_value() {
        let mut k = Masker::new(MaskOptions::default());
        let e = k.add("abc").unwrap_err();
        assert_eq!(e.code, "VALUE_TOO_SHORT");
        assert!(!e.message.contains("abc"));
        assert!(!k.learn("abc"));
        assert_eq!(k.len(), 0);
    }

    #[test]
    fn partial_reveals_only_suffix_of_raw() {
        let o = MaskOptions { keep_last: 4, ..Default::default() };
        let mut k = m(o, &["sk_live_FAKE0000WXYZ"]);
        assert_eq!(run(&mut k, "key=sk_live_FAKE0000WXYZ."), "key=****WXYZ.");
        let b64 = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, "sk_live_FAKE0000WXYZ");
        assert_eq!(run(&mut k, &b64), "[REDACTED]");
        let mut k = m(MaskOptions { keep_last: 4, ..Default::default() }, &["short1"]);
        assert_eq!(run(&mut k, "short1"), "****1");
    }

    #[test]
    fn retire_then_purge() {
        let mut k = m(MaskOptions::default(), &["value-one"]);
        let t0 = Instant::now();
        assert!(k.retire("value-one", Some(Duration::from_secs(10)), t0));
        assert_eq!(run(&mut k, "value-one"), "[REDACTED]");
        k.purge(t0 + Duration::from_secs(11));
        assert_eq!(k.len(), 0);
        let c = k.compiled(t0 + Duration::from_secs(11));
        assert!(c.mask_bytes(b"value-one").is_none());
    }

    #[test]
    fn relearn_unretires() {
        let mut k = m(MaskOptions::default(), &["value-two"]);
        let t0 = Instant::now();
        k.retire("value-two", Some(Duration::from_secs(1)), t0);
        assert!(!k.learn("value-two"));
        k.purge(t0 + Duration::from_secs(5));
        assert_eq!(k.len(), 1);
    }

    #[test]
    fn overlap_inside_long_match_extends_region() {
        let mut k = m(MaskOptions { encodings: false, ..Default::default() }, &["aaaab", "abzzzz"]);
        assert_eq!(run(&mut k, "-aaaabzzzz-"), "-[REDACTED]-");
    }
}
