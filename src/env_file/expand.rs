//! Variable expansion with dotenv-expand 12's observable semantics, bounded.
//!
//! dotenv-expand (lib/main.js) runs, per parsed key in order:
//!   * if `processEnv[key]` is non-empty and differs from the file value, the
//!     value is `processEnv[key]` (no expansion);
//!   * else `expandValue`: repeatedly take the FIRST match of
//!     `(?<!\\)\${([^{}]+)}|(?<!\\)\$([A-Za-z_][A-Za-z0-9_]*)`, split the
//!     expression on its first operator (`:+`, `+`, `:-`, `-`; with no operator
//!     JS splits on the string "null"), look the name up in
//!     `{...runningParsed, ...processEnv}`, and `String.prototype.replace` the
//!     first occurrence of the template (with JS replacement patterns `$$`,
//!     `$&`, `` $` ``, `$'`). A whole-string "seen" set guards self-reference;
//!     the loop stops when no match is left or the result equals
//!     `runningParsed[name]`;
//!   * finally `\$` becomes `$`.
//!
//! The same steps are done here. Differences (all on inputs where
//! dotenv-expand never returns): a replacement that leaves the string
//! unchanged (a guaranteed infinite loop there) is treated as a
//! self-reference (the default is used, else the empty string), and an
//! iteration/length budget stops pathological growth with an error that names
//! the key. Names inherited from `Object.prototype` (`constructor`, ...) are
//! plain unset names here. Never any command substitution.

use std::collections::hash_map::RandomState;
use std::collections::{HashMap, HashSet};
use std::hash::BuildHasher;

/// Result of expanding one set of parsed values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expanded {
    /// Expanded values, in the input order.
    pub values: Vec<String>,
    /// Keys whose expansion hit the budget (their value is the file value with `\$` resolved).
    pub limited: Vec<String>,
}

const BASE_ITERATIONS: usize = 2_000;
const MIN_LEN_BUDGET: usize = 64 << 10;
/// All expanded values of one call together (at least; see [`expand`]).
const TOTAL_BUDGET: usize = 64 << 20;
/// Bytes scanned over all iterations of one value (at least; grows with the
/// value's length times its number of `$`, which a legitimate value needs).
const MIN_WORK_BUDGET: usize = 8 << 20;

/// Find the first reference in `s`: returns (start, end, expression range).
fn find_match(s: &str) -> Option<(usize, usize, usize, usize)> {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'$' && (i == 0 || b[i - 1] != b'\\') && i + 1 < b.len() {
            let n = b[i + 1];
            if n == b'{' {
                let mut j = i + 2;
                while j < b.len() && b[j] != b'{' && b[j] != b'}' {
                    j += 1;
                }
                if j > i + 2 && j < b.len() && b[j] == b'}' {
                    return Some((i, j + 1, i + 2, j));
                }
            } else if n.is_ascii_alphabetic() || n == b'_' {
                let mut j = i + 2;
                while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'_') {
                    j += 1;
                }
                return Some((i, j, i + 1, j));
            }
        }
        i += 1;
    }
    None
}

enum Op {
    Plus,
    Default,
}

/// Split an expression like dotenv-expand: (name, rest, op).
fn split_expr(expr: &str) -> (&str, &str, Op) {
    let b = expr.as_bytes();
    for p in 0..b.len() {
        match b[p] {
            b':' if p + 1 < b.len() && b[p + 1] == b'+' => return (&expr[..p], &expr[p + 2..], Op::Plus),
            b'+' => return (&expr[..p], &expr[p + 1..], Op::Plus),
            b':' if p + 1 < b.len() && b[p + 1] == b'-' => return (&expr[..p], &expr[p + 2..], Op::Default),
            b'-' => return (&expr[..p], &expr[p + 1..], Op::Default),
            _ => {}
        }
    }
    // `expression.split(null)` splits on the string "null".
    match expr.find("null") {
        Some(p) => (&expr[..p], &expr[p + 4..], Op::Default),
        None => (expr, "", Op::Default),
    }
}

/// `String.prototype.replace(template, repl)` with a string pattern: first
/// occurrence, replacement patterns expanded (no captures).
fn js_replace_first(s: &str, template: &str, repl: &str) -> String {
    let pos = match s.find(template) {
        Some(p) => p,
        None => return s.to_string(),
    };
    let before = &s[..pos];
    let after = &s[pos + template.len()..];
    let mut out = String::with_capacity(s.len() + repl.len());
    out.push_str(before);
    let r = repl.as_bytes();
    let mut i = 0;
    let mut lit = 0;
    while i < r.len() {
        if r[i] == b'$' && i + 1 < r.len() {
            let sub: Option<&str> = match r[i + 1] {
                b'$' => Some("$"),
                b'&' => Some(template),
                b'`' => Some(before),
                b'\'' => Some(after),
                _ => None,
            };
            if let Some(sub) = sub {
                out.push_str(&repl[lit..i]);
                out.push_str(sub);
                i += 2;
                lit = i;
                continue;
            }
        }
        i += 1;
    }
    out.push_str(&repl[lit..]);
    out.push_str(after);
    out
}

fn resolve_escapes(v: &str) -> String {
    v.replace("\\$", "$")
}

struct Env<'a> {
    process_env: &'a HashMap<String, String>,
    running: &'a HashMap<String, String>,
    /// The longest value a reference can bring in (process env and values expanded so far).
    longest: usize,
}

impl Env<'_> {
    fn get(&self, k: &str) -> Option<&str> {
        self.process_env.get(k).or_else(|| self.running.get(k)).map(|s| s.as_str())
    }
}

/// Expand one value; Err(()) when the budget ran out. `room`: the bytes the
/// whole expansion may still produce (see [`expand`]).
fn expand_value(value: &str, env: &Env, room: usize) -> Result<String, ()> {
    let max_iter = BASE_ITERATIONS + 4 * value.len();
    let dollars = value.bytes().filter(|&c| c == b'$').count();
    // Long enough for every reference to bring in the longest value twice
    // over (a 70 KB certificate copied with ${CERT}); a reference loop grows
    // past any such bound.
    let max_len = MIN_LEN_BUDGET
        .max(value.len().saturating_mul(4))
        .max(value.len().saturating_add((dollars + 1).saturating_mul(env.longest).saturating_mul(2)))
        .min(room.max(value.len()));
    let work_budget = MIN_WORK_BUDGET.max(value.len().max(max_len).saturating_mul(dollars + 16));
    let mut result = value.to_string();
    // The "seen" set holds 64-bit keyed hashes of whole strings (memory stays
    // O(iterations)); a false positive needs a SipHash collision.
    let hasher = RandomState::new();
    let mut seen: HashSet<u64> = HashSet::new();
    let mut iterations = 0usize;
    let mut work = 0usize;
    while let Some((start, end, es, ee)) = find_match(&result) {
        iterations += 1;
        work += result.len();
        if iterations > max_iter || work > work_budget {
            return Err(());
        }
        seen.insert(hasher.hash_one(&result));
        let template = result[start..end].to_string();
        let expr = &result[es..ee];
        let (name, rest, op) = split_expr(expr);
        let (name, rest) = (name.to_string(), rest.to_string());
        let found = env.get(&name).filter(|v| !v.is_empty());
        let repl: String = match op {
            Op::Plus => {
                if found.is_some() {
                    rest.clone()
                } else {
                    String::new()
                }
            }
            Op::Default => match found {
                Some(v) if !seen.contains(&hasher.hash_one(v)) => v.to_string(),
                _ => rest.clone(),
            },
        };
        let mut next = js_replace_first(&result, &template, &repl);
        if next == result {
            // dotenv-expand stops here when the string equals the referenced
            // variable's value (its check below); otherwise it would repeat
            // this exact step forever: treat the reference as self-referential.
            if env.running.get(&name).map(|v| v == &result).unwrap_or(false) {
                break;
            }
            next = js_replace_first(&result, &template, &rest);
            if next == result {
                let pos = result.find(&template).unwrap_or(start);
                next = format!("{}{}", &result[..pos], &result[pos + template.len()..]);
            }
        }
        if next.len() > max_len {
            return Err(());
        }
        result = next;
        if env.running.get(&name).map(|v| v == &result).unwrap_or(false) {
            break;
        }
    }
    Ok(result)
}

/// Expand `parsed` (key order as JS iterates the parsed object) against
/// `process_env` (a snapshot of the target env AFTER the file values were
/// populated into it, as `expand(dotenv.config())` sees it).
///
/// The per-value budget grows with the longest value expanded so far (a
/// certificate copied twice is fine), so values that each double the one
/// before (`A2=${A1}${A1}`, `A3=${A2}${A2}`, …) would grow exponentially over
/// the file: all values together may total at most 64 MiB or 16 times the
/// input (file plus process env), whichever is larger; keys past that are
/// `limited`.
pub fn expand(parsed: &[(String, String)], process_env: &HashMap<String, String>) -> Expanded {
    let mut running: HashMap<String, String> = HashMap::with_capacity(parsed.len());
    let mut longest = process_env.values().map(|v| v.len()).max().unwrap_or(0);
    let input = parsed.iter().map(|(k, v)| k.len() + v.len()).sum::<usize>() + process_env.values().map(|v| v.len()).sum::<usize>();
    let mut room = TOTAL_BUDGET.max(input.saturating_mul(16));
    let mut values = Vec::with_capacity(parsed.len());
    let mut limited = Vec::new();
    for (key, value) in parsed {
        let raw = match process_env.get(key) {
            Some(pe) if !pe.is_empty() && pe != value => pe.clone(),
            _ => {
                let env = Env { process_env, running: &running, longest };
                match expand_value(value, &env, room) {
                    Ok(v) => v,
                    Err(()) => {
                        limited.push(key.clone());
                        value.clone()
                    }
                }
            }
        };
        let v = resolve_escapes(&raw);
        room = room.saturating_sub(v.len());
        longest = longest.max(v.len());
        running.insert(key.clone(), v.clone());
        values.push(v);
    }
    Expanded { values, limited }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(pairs: &[(&str, &str)], pe: &[(&str, &str)]) -> Vec<String> {
        let p: Vec<(String, String)> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        let e: HashMap<String, String> = pe.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        expand(&p, &e).values
    }

    #[test]
    fn basic_forms() {
        let v = run(
            &[("A", "a"), ("B", "$A"), ("C", "${A}x"), ("D", "${U:-dflt}"), ("E", "${U-d2}"), ("F", "${A:+alt}"), ("G", "${U:+alt}"), ("H", "\\$A")],
            &[],
        );
        assert_eq!(v, vec!["a", "a", "ax", "dflt", "d2", "alt", "", "$A"]);
    }

    #[test]
    fn process_env_wins_and_later_keys_empty() {
        let v = run(&[("A", "$B"), ("B", "b"), ("C", "$HOME_X")], &[("HOME_X", "/h")]);
        assert_eq!(v, vec!["", "b", "/h"]);
        let v = run(&[("A", "file")], &[("A", "env")]);
        assert_eq!(v, vec!["env"]);
    }

    #[test]
    fn self_reference_and_nested_defaults() {
        assert_eq!(run(&[("A", "$A")], &[("A", "$A")]), vec![""]);
        assert_eq!(run(&[("A", "${U:-${V:-deep}}")], &[]), vec!["deep"]);
    }

    #[test]
    fn review_cases() {
        // dotenv-expand stops when the unchanged string equals the referenced value
        assert_eq!(run(&[("U", "\\${U:-$&}"), ("C", "${U:-$&}")], &[]), vec!["${U:-$&}", "${U:-$&}"]);
        // a long value copied by reference is not a loop
        let cert = format!("FAKE{}", "x".repeat(70_000));
        let v = run(&[("CERT", cert.as_str()), ("COPY", "${CERT}"), ("TWICE", "$CERT$CERT")], &[]);
        assert_eq!(v[1], cert);
        assert_eq!(v[2], format!("{cert}{cert}"));
        let big = "y".repeat(100_000);
        assert_eq!(run(&[("B", "[$BIG]")], &[("BIG", big.as_str())])[0], format!("[{big}]"));
    }

    #[test]
    fn js_quirks() {
        // split(null) splits on "null"
        assert_eq!(run(&[("A", "${xnully}")], &[]), vec!["y"]);
        // replacement patterns in values
        assert_eq!(run(&[("A", "a$$b"), ("B", "[$A]")], &[]), vec!["a$", "[a$]"]);
        assert_eq!(run(&[("A", "a$$"), ("B", "[$A]")], &[]), vec!["a$$", "[a$]"]);
    }

    #[test]
    fn terminates_where_dotenv_expand_loops() {
        let pairs = [("B", "${B:-dflt}"), ("HOST", "${PRE:-dflt}${B:-${PRE}}:")];
        let pe = [("B", "${B:-dflt}"), ("HOST", "${PRE:-dflt}${B:-${PRE}}:")];
        let v = run(&pairs, &pe);
        assert_eq!(v[0], "dflt");
        assert_eq!(v[1], "dfltdflt:");
        // values that each double the one before hit the total budget, not memory
        let mut doubling = vec![("A0".to_string(), "x".repeat(16))];
        for i in 1..40 {
            doubling.push((format!("A{i}"), format!("${{A{}}}${{A{}}}", i - 1, i - 1)));
        }
        let out = expand(&doubling, &HashMap::new());
        assert!(out.values.iter().map(|v| v.len()).sum::<usize>() <= (64 << 20) + 1024, "the limited keys keep their short file values");
        assert_eq!(out.values[20].len(), 16 << 20, "a 16 MiB value is still expanded");
        assert!(out.limited.contains(&"A39".to_string()) && !out.limited.contains(&"A20".to_string()), "{:?}", out.limited);
        // unbounded growth via `$&` hits the budget instead of hanging
        let p: Vec<(String, String)> = vec![("A".into(), "$&$&".into()), ("C".into(), "$A".into())];
        let out = expand(&p, &HashMap::new());
        assert_eq!(out.limited, vec!["C".to_string()]);
    }
}
